/**
 * Names come from servers and users. A bidi control in one (U+202E RLO shows "Bob\u202Eexe.fdp" as "Bobpdf.exe")
 * is shown as a visible marker, the same ones the CLI and PDFs use. The table repeats electron/core/text/bidi.ts
 * because the renderer may not import core code; test/renderer/display.test.ts keeps the two equal.
 */
export const BIDI_MARKERS: Readonly<Record<string, string>> = {
  '\u061c': '⟪ALM⟫',
  '\u200e': '⟪LRM⟫',
  '\u200f': '⟪RLM⟫',
  '\u202a': '⟪LRE⟫',
  '\u202b': '⟪RLE⟫',
  '\u202c': '⟪PDF⟫',
  '\u202d': '⟪LRO⟫',
  '\u202e': '⟪RLO⟫',
  '\u2066': '⟪LRI⟫',
  '\u2067': '⟪RLI⟫',
  '\u2068': '⟪FSI⟫',
  '\u2069': '⟪PDI⟫',
};

const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A name as displayed: bidi controls replaced by markers such as ⟪RLO⟫. Null and undefined stay as they are. */
export function showBidi<T extends string | null | undefined>(text: T): T {
  return (typeof text === 'string' ? text.replace(BIDI_CONTROLS, (c) => BIDI_MARKERS[c]!) : text) as T;
}
