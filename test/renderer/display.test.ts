import { describe, expect, it } from 'vitest';
import { BIDI_MARKERS, showBidi } from '../../renderer/src/lib/display';
import { BIDI_CONTROL_NAMES, bidiMarker, showBidiControls } from '../../electron/core/text/bidi';

describe('names as the window shows them', () => {
  it('shows bidi overrides, embeddings, isolates and marks as visible markers', () => {
    expect(showBidi('Bob\u202eexe.fdp\u202c')).toBe('Bob⟪RLO⟫exe.fdp⟪PDF⟫');
    expect(showBidi('\u2067שלום\u2069 \u200fx\u200e')).toBe('⟪RLI⟫שלום⟪PDI⟫ ⟪RLM⟫x⟪LRM⟫');
    expect(showBidi('Zoë Ångström — שלום')).toBe('Zoë Ångström — שלום');
    expect(showBidi(null)).toBeNull();
  });

  it('uses the same markers as the CLI and PDFs', () => {
    expect(Object.keys(BIDI_MARKERS).sort()).toEqual(Object.keys(BIDI_CONTROL_NAMES).sort());
    for (const control of Object.keys(BIDI_CONTROL_NAMES)) {
      expect(BIDI_MARKERS[control]).toBe(bidiMarker(control));
      expect(showBidi(`a${control}b`)).toBe(showBidiControls(`a${control}b`));
    }
  });
});
