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

  it('when header words do not all fit, content keeps its width and the headers share what is left', () => {
    // A name column (38 + 2) and three count columns holding 2-half-em numbers under long one-word headers.
    const headers = ['Course', 'Completed', 'Incomplete', 'Attendance'];
    const halfEms = columnWidths(headers, [allAt(38), allAt(2), allAt(2), allAt(2)], 67).map((w) => (w / 100) * 67);
    expect(halfEms[0]).toBeCloseTo(40, 0);
    // 7 each (the 2.5 em minimum plus padding) and a share of the 6 left, short of their ~14 for whole words.
    for (const w of halfEms.slice(1)) expect(w).toBeGreaterThan(7.5);
    for (const w of halfEms.slice(1)) expect(w).toBeLessThan(10);
  });

  it('with many long headers too, content keeps its width and header words break instead', () => {
    const headers = ['Course', ...Array.from({ length: 8 }, () => 'Attendance')];
    const content = [allAt(38), ...Array.from({ length: 8 }, () => allAt(2))];
    // Content: 40 + 8 × 7 = 96; whole headers would need ~8 × 14 more than the name's 20.
    const halfEms = columnWidths(headers, content, 100).map((w) => (w / 100) * 100);
    expect(halfEms[0]).toBeCloseTo(40, 0);
    for (const w of halfEms.slice(1)) expect(w).toBeGreaterThanOrEqual(7);
    for (const w of halfEms.slice(1)) expect(w).toBeLessThan(8);
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
