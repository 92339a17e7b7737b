/**
 * The printed page, shared by the template (which sizes table columns to it) and both PDF renderers (which print
 * on it): paper sizes, margins and the printable box in CSS pixels.
 */
export type PaperFormat = 'A4' | 'Letter';

export const MARGIN_MM = { top: 14, bottom: 16, left: 12, right: 12 };
const PAPER_MM: Record<PaperFormat, { width: number; height: number }> = {
  A4: { width: 210, height: 297 },
  Letter: { width: 215.9, height: 279.4 },
};
const PX_PER_MM = 96 / 25.4;

/** The printable area of one page, in CSS pixels. */
export function contentBox(format: PaperFormat, landscape: boolean): { width: number; height: number } {
  const paper = PAPER_MM[format];
  const [width, height] = landscape ? [paper.height, paper.width] : [paper.width, paper.height];
  return {
    width: (width - MARGIN_MM.left - MARGIN_MM.right) * PX_PER_MM,
    height: (height - MARGIN_MM.top - MARGIN_MM.bottom) * PX_PER_MM,
  };
}
