import { describe, expect, it } from 'vitest';
import { columnWidths } from '../../electron/core/reports/pdf-template';

/** A width histogram (half-ems) in which every cell of the column has the same width. */
const allAt = (halfEms: number, cells = 100) => Array.from({ length: 49 }, (_, i) => (i === halfEms ? cells : 0));

describe('PDF column widths', () => {
  it('are proportional to what the columns hold when everything fits', () => {
    const widths = columnWidths(['A', 'B'], [allAt(10), allAt(30)], 200);
    expect(widths[0]! + widths[1]!).toBeCloseTo(100, 0);
    // 10 and 30 half-ems plus 2 for padding each.
    expect(widths[1]! / widths[0]!).toBeCloseTo(32 / 12, 1);
  });

  it('follow the 95th percentile, not the single longest cell', () => {
    const mostlyShort = allAt(8, 97);
    mostlyShort[48] = 3;
    const [short] = columnWidths(['A', 'B'], [mostlyShort, allAt(8)], 200);
    expect(short).toBeCloseTo(50, 0);
  });

  it('never make a column narrower than its header word', () => {
    const [a, b] = columnWidths(['Completed', 'B'], [allAt(2), allAt(2)], 200);
    expect(a!).toBeGreaterThan(b!);
  });

  it('when the page is too narrow, narrow only the widest columns, to one common width', () => {
    // Wanted (with padding): 10, 10, 40, 50 = 110 half-ems on a 70 half-em page: the two wide ones share 50.
    const widths = columnWidths(['A', 'B', 'C', 'D'], [allAt(8), allAt(8), allAt(38), allAt(48)], 70);
    const halfEms = widths.map((w) => (w / 100) * 70);
    expect(halfEms[0]).toBeCloseTo(10, 0);
    expect(halfEms[1]).toBeCloseTo(10, 0);
    expect(halfEms[2]).toBeCloseTo(25, 0);
    expect(halfEms[3]).toBeCloseTo(25, 0);
  });
});
