/**
 * Layering rules (VS Code style): what may import what. ESLint enforces the same rules in editors; this test is the
 * backstop that CI cannot skip.
 *   core      ↛ electron, main, preload, renderer   (plain Node: three hosts use it)
 *   renderer  ↛ core code but the contract's types (`import type … from '$contract/…'`), node:*, electron
 *   main      ↛ renderer
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function filesUnder(dir: string, exts = ['.ts', '.svelte']): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, exts));
    else if (exts.some((ext) => name.endsWith(ext))) out.push(full);
  }
  return out;
}

interface ImportRef {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

// Static imports, require() and import() calls, re-exports; one regex literal would be too long for a line.
const IMPORT_RE = new RegExp(
  [
    String.raw`(?:^|[\s;])import\s+(type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]`,
    String.raw`(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)`,
    String.raw`export\s+(type\s+)?[\w*{}\s,]+\s+from\s+['"]([^'"]+)['"]`,
  ].join('|'),
  'g',
);

export function importsOf(file: string, source = readFileSync(file, 'utf8')): ImportRef[] {
  const refs: ImportRef[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const specifier = m[2] ?? m[3] ?? m[5];
    if (specifier) refs.push({ file, specifier, typeOnly: Boolean(m[1] ?? m[4]) });
  }
  return refs;
}

function resolvesInto(ref: ImportRef, dir: string): boolean {
  if (!ref.specifier.startsWith('.')) return false;
  const target = resolve(join(ref.file, '..'), ref.specifier);
  return !relative(resolve(ROOT, dir), target).startsWith('..');
}

describe('import boundaries', () => {
  it('detects the patterns it polices (self-check)', () => {
    const refs = importsOf(
      '/x/core/a.ts',
      "import { app } from 'electron';\nconst e = require('electron');\nimport type { T } from '../t';",
    );
    expect(refs.map((r) => [r.specifier, r.typeOnly])).toEqual([
      ['electron', false],
      ['electron', false],
      ['../t', true],
    ]);
  });

  it('electron/core never imports electron or the hosts around it', () => {
    const offenders = filesUnder(join(ROOT, 'electron/core'))
      .flatMap((file) => importsOf(file))
      .filter(
        (ref) =>
          ref.specifier === 'electron' ||
          ref.specifier.startsWith('electron/') ||
          resolvesInto(ref, 'electron/main') ||
          resolvesInto(ref, 'electron/preload') ||
          resolvesInto(ref, 'renderer'),
      )
      .map((ref) => `${relative(ROOT, ref.file)} imports ${ref.specifier}`);
    expect(offenders).toEqual([]);
  });

  it("the renderer imports only the contract's types, by name, and nothing from Node or Electron", () => {
    const refs = filesUnder(join(ROOT, 'renderer/src')).flatMap((file) => importsOf(file));
    expect(refs.filter((ref) => ref.specifier.startsWith('$contract/')).length).toBeGreaterThan(0);
    const offenders = refs
      .filter(
        (ref) =>
          ref.specifier === 'electron' ||
          ref.specifier.startsWith('node:') ||
          resolvesInto(ref, 'electron') ||
          (ref.specifier.startsWith('$contract/') && !ref.typeOnly),
      )
      .map((ref) => `${relative(ROOT, ref.file)} imports ${ref.specifier}`);
    expect(offenders).toEqual([]);
  });

  it('electron/main never imports the renderer', () => {
    const offenders = filesUnder(join(ROOT, 'electron/main'))
      .flatMap((file) => importsOf(file))
      .filter((ref) => resolvesInto(ref, 'renderer'))
      .map((ref) => `${relative(ROOT, ref.file)} imports ${ref.specifier}`);
    expect(offenders).toEqual([]);
  });
});
