/**
 * iSpring's XML: the standard escapes decode as iSpring sends them, and documents built to attack an XML parser
 * (entity expansion, external entities) are refused before any entity is expanded or any file or URL is looked at.
 */
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../electron/core/http/errors';
import type { HttpResponse } from '../../electron/core/http/types';
import { listOf, parseBody, text } from '../../electron/core/providers/ispring-parse';

const response = (body: string): HttpResponse => ({
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body,
  url: 'https://acme.example/api/v2/content',
});

function refusal(body: string): HttpError {
  try {
    parseBody(response(body));
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected the document to be refused');
}

const lols = (depth: number) =>
  Array.from({ length: depth }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
const BILLION_LAUGHS =
  `<?xml version="1.0"?><!DOCTYPE response [<!ENTITY lol0 "lol">${lols(9)}]>` +
  '<response><contentItems><contentItem><title>&lol9;</title></contentItem></contentItems></response>';

describe('iSpring XML entities', () => {
  it('decodes the five standard escapes once, in names and titles', () => {
    const doc = parseBody(
      response(
        '<?xml version="1.0" encoding="UTF-8"?><response><contentItems><contentItem><contentItemId>c1</contentItemId>' +
          '<title>Health &amp; Safety &lt;2026&gt; &quot;Basics&quot; &apos;A&apos; ' +
          '&amp;amp;</title></contentItem></contentItems></response>',
      ),
    );
    const [item] = listOf(doc, 'contentItems', 'contentItem')!;
    expect(text(item!.title)).toBe('Health & Safety <2026> "Basics" \'A\' &amp;');
  });

  it('leaves CDATA as written', () => {
    const doc = parseBody(
      response(
        '<response><contentItems><contentItem><title><![CDATA[R&amp;D ' +
          '<b>]]></title></contentItem></contentItems></response>',
      ),
    );
    expect(text(listOf(doc, 'contentItems', 'contentItem')![0]!.title)).toBe('R&amp;D <b>');
  });

  it('refuses an entity-expansion bomb before expanding anything', () => {
    const error = refusal(BILLION_LAUGHS);
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/a DOCTYPE declaration, which API data never has/);
  });

  it('refuses external entities (file and URL) without reading them', () => {
    for (const target of ['file:///etc/passwd', 'http://127.0.0.1:9/secret']) {
      const body =
        `<?xml version="1.0"?>\n<!-- comment --><!DOCTYPE response [<!ENTITY xxe SYSTEM ` +
        `"${target}">]><response><title>&xxe;</title></response>`;
      expect(refusal(body).message).toMatch(/DOCTYPE/);
    }
    expect(refusal('<!doctype response SYSTEM "http://127.0.0.1:9/x.dtd"><response/>').message).toMatch(/DOCTYPE/);
  });

  it('keeps an entity declared past the prolog from expanding', () => {
    // Not a DTD (it sits inside the root), so nothing declares "a": the reference stays text.
    const doc = parseBody(response('<response><title>x</title><!-- <!DOCTYPE x> --><note>&a;</note></response>'));
    expect(doc).toEqual({ response: { title: 'x', note: '&a;' } });
  });
});

describe('iSpring XML entities at scale', () => {
  it('decodes every escape on a large page (the expansion limits do not trip on the built-ins)', () => {
    const items = Array.from(
      { length: 40_000 },
      (_, i) =>
        `<contentItem><contentItemId>c${i}</contentItemId><title>R&amp;D &lt;${i}&gt; &amp; Co</title></contentItem>`,
    );
    const doc = parseBody(response(`<response><contentItems>${items.join('')}</contentItems></response>`));
    const list = listOf(doc, 'contentItems', 'contentItem')!;
    expect(list).toHaveLength(40_000);
    expect(text(list[39_999]!.title)).toBe('R&D <39999> & Co');
  });
});
