/**
 * Bidirectional-text controls in names from servers or users. An override such as U+202E (RLO) makes
 * "Bob\u202Eexe.fdp" display as "Bobpdf.exe": where names are shown, these characters are replaced by a visible
 * mark naming them, so what a person reads is what is stored.
 */
export const BIDI_CONTROL_NAMES: Readonly<Record<string, string>> = {
  '\u061c': 'ALM',
  '\u200e': 'LRM',
  '\u200f': 'RLM',
  '\u202a': 'LRE',
  '\u202b': 'RLE',
  '\u202c': 'PDF',
  '\u202d': 'LRO',
  '\u202e': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI',
};

export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export const bidiMarker = (control: string): string => `⟪${BIDI_CONTROL_NAMES[control] ?? 'BIDI'}⟫`;

/** The text with each bidi control replaced by a visible marker such as ⟪RLO⟫. */
export const showBidiControls = (text: string): string => text.replace(BIDI_CONTROLS, bidiMarker);
