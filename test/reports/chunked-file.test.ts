/**
 * The buffered file writer behind CSV exports: whatever mix of short lines, multi-byte text and strings longer than
 * its buffer goes in, the file holds exactly those strings' UTF-8 bytes in order, across batches and chunk flushes.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES, createChunkedFile, createChunkedOutput } from '../../electron/core/reports/chunked-file';
import { tempDir } from '../support/tmp';

const dir = tempDir('rollbook-chunked-');
afterAll(() => dir.cleanup());

let files = 0;
async function write(texts: string[], flushWhenAsked: boolean): Promise<Buffer> {
  const path = join(dir.path, `out-${(files += 1)}.txt`);
  const out = await createChunkedFile(path);
  for (const text of texts) if (out.append(text) && flushWhenAsked) await out.flush();
  await out.close();
  return readFileSync(path);
}

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
  { weight: 1, arbitrary: fc.constantFrom('Zoë Ångström', '王芳,"x"', 'emoji 👩‍🏫\r\n', '\ud83d') },
);

describe('chunked file', () => {
  it('writes exactly the UTF-8 bytes of what was appended, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 2_000 }), fc.boolean(), async (texts, flushWhenAsked) => {
        expect((await write(texts, flushWhenAsked)).equals(Buffer.from(texts.join('')))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps order around text longer than its buffer, and asks for flushes as it fills', async () => {
    const long = 'é'.repeat(700_000); // 1.4 MB of UTF-8: more than one chunk
    const lines = Array.from({ length: 30_000 }, (_, i) => `row ${i},Zoë,王芳\r\n`);
    const texts = [...lines.slice(0, 10_000), long, ...lines.slice(10_000, 20_000), `${long}!`, ...lines.slice(20_000)];
    const path = join(dir.path, 'long.txt');
    const out = await createChunkedFile(path);
    let asked = 0;
    for (const text of texts) {
      if (out.append(text)) {
        asked += 1;
        await out.flush();
      }
    }
    await out.close();
    expect(readFileSync(path).equals(Buffer.from(texts.join('')))).toBe(true);
    expect(asked).toBeGreaterThanOrEqual(2);
  });

  it(
    'hands buffers of any length to a sink that keeps them, ' +
      'and loses nothing (CSV workers reuse the buffers they get back)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(piece, { maxLength: 3_000 }),
          fc.array(fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.constant(CHUNK_BYTES)), {
            minLength: 1,
            maxLength: 8,
          }),
          async (texts, sizes) => {
            const written: Buffer[] = [];
            const returned: Buffer[] = [];
            let made = 0;
            const out = createChunkedOutput({
              write: (bytes) => {
                written.push(Buffer.from(bytes));
                // What the host sends back: the whole buffer, whatever its length, to be written over.
                returned.push(
                  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset).fill(0x3f),
                );
              },
              next: () => returned.shift() ?? Buffer.allocUnsafeSlow(sizes[(made += 1) % sizes.length]!),
            });
            for (const text of texts) if (out.append(text)) await out.flush();
            await out.flush();
            expect(Buffer.concat(written).equals(Buffer.from(texts.join('')))).toBe(true);
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it('refuses to overwrite an existing file', async () => {
    const path = join(dir.path, 'exists.txt');
    await (await createChunkedFile(path)).close();
    await expect(createChunkedFile(path)).rejects.toThrow();
  });
});
