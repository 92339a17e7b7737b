/**
 * The one HTML/CSS template every PDF report uses (rendered by Chromium in the app and in Node hosts). Everything
 * from the cache is escaped: names are user data.
 */
import type { ChangeDigest } from './change-digest';
import type { ReportColumn, ReportDefinition } from '../contract/channels/reports';
import { REPORT_TITLES } from '../contract/channels/reports';
import type { ProgressStatus } from '../contract/domain';
import type { ReportRow } from '../store/report-queries';
import { bidiMarker } from '../text/bidi';
import { dateTimeFormat, numberFormat } from './intl-cache';
import { contentBox, MARGIN_MM, type PaperFormat } from './page-geometry';
import type { ReportSummary } from './summary';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes markup, and shows bidi controls as markers (⟪RLO⟫) so a name cannot reorder what the PDF shows. */
const ESCAPED = /[&<>"'\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(ESCAPED, (c) => HTML_ESCAPES[c] ?? bidiMarker(c));

const STATUS_COLORS: Record<ProgressStatus, string> = {
  completed: '#1f9d55',
  passed: '#2f855a',
  in_progress: '#3b82f6',
  not_started: '#a0aec0',
  incomplete: '#d69e2e',
  failed: '#e53e3e',
};

/** What the PDF prints: the summary, then the rows (the first PDF_ROW_LIMIT of `total`). */
export interface PdfReportInput extends ReportSummary {
  definition: ReportDefinition;
  /** Another status chart than the learner statuses' (the compliance reports'), with its own colours. */
  statusChart?: { counts: Record<string, number>; colors: Record<string, string> };
  /** The bar chart's heading (default: completion rate by course). */
  barsTitle?: string;
  columns: ReportColumn[];
  rows: ReportRow[];
  truncatedAt: number | null;
  locale: string;
  /** The page it will print on: the table's columns are sized to its width. */
  page: { format: PaperFormat; landscape: boolean };
  /** The changes report's digest, shown instead of the status and completion charts (change-digest.ts). */
  digest?: ChangeDigest;
}

const DAY: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeZone: 'UTC' };
const DAY_TIME: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' };

function formatDay(iso: string | null, locale: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat(locale, DAY).format(d);
}

/** A session time on its venue's clocks (the row's Time zone column names the zone), else in UTC, saying so. */
function formatSessionTime(iso: string | null, zone: unknown, locale: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (typeof zone === 'string' && zone) {
    try {
      return dateTimeFormat(locale, { ...DAY_TIME, timeZone: zone }).format(d);
    } catch {
      // Not a zone this runtime knows: UTC below.
    }
  }
  return formatDate(iso, locale);
}

function formatDate(iso: string | null, locale: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${dateTimeFormat(locale, DAY_TIME).format(d)} UTC`;
}

/** Horizontal stacked bar of the status distribution. Plain SVG: prints identically in every Chromium. */
export function statusBarSvg(
  counts: Partial<Record<string, number>>,
  colors: Record<string, string> = STATUS_COLORS,
): string {
  const entries = Object.keys(colors)
    .map((s) => [s, counts[s] ?? 0] as const)
    .filter(([, n]) => n > 0);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return '';
  let x = 0;
  const rects = entries
    .map(([status, n]) => {
      const w = (n / total) * 600;
      const r =
        `<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="18" fill="${colors[status]}">` +
        `<title>${status}: ${n}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  const legend = entries
    .map(([status, n], i) => {
      const text = `${escapeHtml(status.replace('_', ' '))}: ${n} (${Math.round((n / total) * 100)}%)`;
      return (
        `<g transform="translate(${(i % 3) * 200},${30 + Math.floor(i / 3) * 16})">` +
        `<rect width="10" height="10" fill="${colors[status]}"/><text x="14" y="9">${text}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 600 ${34 + Math.ceil(entries.length / 3) * 16}" ` +
    `role="img" aria-label="Status distribution">${rects}${legend}</svg>`
  );
}

/** Completion rate by course (top rows), one bar each. */
export function barChartSvg(bars: { label: string; value: number }[], unit = '%'): string {
  if (bars.length === 0) return '';
  const height = bars.length * 18 + 4;
  const items = bars
    .map((b, i) => {
      const w = Math.max(0, Math.min(100, b.value)) * 3.6;
      const label = b.label.length > 38 ? `${b.label.slice(0, 37)}…` : b.label;
      return (
        `<g transform="translate(0,${i * 18})"><text x="228" y="12" text-anchor="end">${escapeHtml(label)}</text>` +
        '<rect x="236" y="2" width="360" height="12" fill="#edf2f7"/>' +
        `<rect x="236" y="2" width="${w.toFixed(1)}" height="12" fill="#4b5bd6"/>` +
        `<text x="${(240 + w).toFixed(1)}" y="12" class="v">${b.value}${unit}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 640 ${height}" role="img" ` +
    `aria-label="Completion rate by course">${items}</svg>`
  );
}

/** Widths are counted in half-ems; a column never gets less than 2.5 em, and past 24 em long text wraps instead. */
const MIN_HALF_EMS = 5;
const MAX_HALF_EMS = 48;

/**
 * Rough advance widths in ems, of DejaVu Sans: the widest face the font stack falls back to (Arial and its metric
 * twins are narrower, so columns sized this way never wrap for them). Good enough to size columns without a layout
 * engine.
 */
function textEms(text: string): number {
  let ems = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (
      c === 0x20 ||
      c === 0x2e ||
      c === 0x2c ||
      c === 0x3a ||
      c === 0x27 ||
      c === 0x69 ||
      c === 0x6c ||
      c === 0x6a ||
      c === 0x49
    )
      ems += 0.32;
    else if (c === 0x6d || c === 0x77 || c === 0x40 || c === 0x4d || c === 0x57) ems += 0.98;
    else if (c >= 0x41 && c <= 0x5a) ems += 0.72;
    else if (c >= 0x2e80)
      ems += 1; // CJK and other full-width scripts
    else ems += 0.62;
  }
  return ems;
}

/** The highest width cap under which `wanted` fits `available`: columns narrower than it keep their width. */
function capToFit(wanted: number[], available: number): number[] {
  const sorted = [...wanted].sort((a, b) => a - b);
  let rest = available;
  let cap = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    cap = rest / (sorted.length - i);
    if (sorted[i]! >= cap) break;
    rest -= sorted[i]!;
  }
  return wanted.map((w) => Math.min(w, cap));
}

/**
 * Column widths (percentages of the table) in proportion to what each column usually holds: its 95th-percentile
 * text width plus the cell's padding, so most rows print on one line. Chromium's automatic table layout gave every
 * long e-mail its full width and wrapped the short columns instead (two-line rows, twice the pages), and it must
 * measure every cell before placing the first; a fixed layout does not.
 *
 * When space is short, content comes before header words (rows are read thirty times a page, the header once): a
 * 16-column course summary headed "Completed", "Incomplete", "attendance %" breaks those words rather than its course
 * names. When even the content does not fit, only the widest columns are narrowed, to one common width, so long
 * names and e-mails wrap while short columns never do.
 */
export function columnWidths(headers: string[], widthCounts: number[][], availableHalfEms: number): number[] {
  // 6 px of padding is 0.8 em: two half-ems with the rounding.
  const PADDING = 2;
  const content = widthCounts.map((counts) => {
    const total = counts.reduce((a, b) => a + b, 0);
    let typical = 0;
    for (let seen = counts[0]!; typical + 1 < counts.length && seen < total * 0.95;) seen += counts[++typical]!;
    return Math.min(MAX_HALF_EMS, Math.max(MIN_HALF_EMS, typical)) + PADDING;
  });
  // The header is set slightly smaller than the cells.
  const withHeaders = headers.map((header, c) => {
    const word = Math.max(...header.split(/\s+/).map((w) => Math.ceil(textEms(w) * 2 * 0.95)));
    return Math.max(content[c]!, Math.min(MAX_HALF_EMS, word) + PADDING);
  });
  const sum = (widths: number[]) => widths.reduce((a, b) => a + b, 0);
  let widths = withHeaders;
  if (sum(withHeaders) > availableHalfEms) {
    const slack = availableHalfEms - sum(content);
    if (slack >= 0) {
      // Every column gets its content's width; header words share what is left in proportion to their need.
      const need = sum(withHeaders) - sum(content);
      widths = content.map((w, c) => w + ((withHeaders[c]! - w) * slack) / need);
    } else {
      widths = capToFit(content, availableHalfEms);
    }
  }
  const total = sum(widths);
  return widths.map((w) => Math.round((w / total) * 1000) / 10);
}

/**
 * The report page may not load or run anything of its own: every value in it is escaped, and this is the second
 * line. The renderers' own pagination (paginate-table.ts) is injected by the embedder (Playwright's evaluate,
 * Electron's executeJavaScript), which a page's CSP does not govern.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Table cells are set at 7.5pt: this many CSS pixels per em. */
const CELL_EM_PX = (7.5 * 96) / 72;

export function renderReportHtml(input: PdfReportInput): string {
  const title = input.definition.title ?? REPORT_TITLES[input.definition.kind];
  const head = input.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('');
  // Per column, how many cells have each text width (in half-ems, capped): enough for a percentile.
  const widthCounts = input.columns.map(() => new Array<number>(MAX_HALF_EMS + 1).fill(0));
  const body = input.rows
    .map(
      (row) =>
        `<tr>${input.columns
          .map((c, i) => {
            const v = row[c.key];
            const text = String(
              c.type === 'date' && c.zoneKey
                ? formatSessionTime(v as string | null, row[c.zoneKey], input.locale)
                : c.type === 'date'
                  ? formatDay(v as string | null, input.locale)
                  : typeof v === 'number'
                    ? numberFormat(input.locale).format(v)
                    : (v ?? ''),
            );
            widthCounts[i]![Math.min(MAX_HALF_EMS, Math.ceil(textEms(text) * 2))]! += 1;
            return `<td>${escapeHtml(text)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const available = Math.floor((contentBox(input.page.format, input.page.landscape).width / CELL_EM_PX) * 2);
  const cols = columnWidths(
    input.columns.map((c) => c.label),
    widthCounts,
    available,
  )
    .map((w) => `<col style="width:${w}%">`)
    .join('');
  // Alignment per column, not per cell: a class on each of 100,000 cells is a third of the HTML Chromium must parse.
  const numberColumns = input.columns
    .map((c, i) => (c.type === 'number' ? `td:nth-child(${i + 1}), th:nth-child(${i + 1})` : null))
    .filter((selector) => selector !== null);
  const numberCss = numberColumns.length
    ? `${numberColumns.join(', ')} { text-align: right; font-variant-numeric: tabular-nums; }`
    : '';
  const dataAsOf = input.freshness
    .map(
      (f) =>
        `${escapeHtml(f.label)}: ${escapeHtml(f.dataAsOf ? formatDate(f.dataAsOf, input.locale) : 'never synced')}`,
    )
    .join(' · ');
  const statusChart =
    (input.statusChart
      ? statusBarSvg(input.statusChart.counts, input.statusChart.colors)
      : statusBarSvg(input.statusCounts)) || '<p>No learner statuses in this report.</p>';
  const generated = formatDate(input.generatedAt.toISOString(), input.locale);
  const truncatedNote =
    input.truncatedAt !== null
      ? `<p class="note">This PDF shows the first ${input.truncatedAt.toLocaleString(input.locale)} of ` +
        `${input.total.toLocaleString(input.locale)} rows. Export CSV for every row.</p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<title>${escapeHtml(title)}</title>
<style>
  @page { margin: ${MARGIN_MM.top}mm ${MARGIN_MM.right}mm ${MARGIN_MM.bottom}mm ${MARGIN_MM.left}mm; }
  * { box-sizing: border-box; }
  body {
    font-family: Arial, 'Liberation Sans', Helvetica, 'Noto Sans', 'DejaVu Sans',
      'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif;
    color: #1a202c; font-size: 9pt; margin: 0;
  }
  header { border-bottom: 2px solid #4b5bd6; padding-bottom: 8px; margin-bottom: 10px; }
  h1 { font-size: 18pt; margin: 0 0 4px; }
  .meta { color: #4a5568; font-size: 8.5pt; display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
  .meta dt { font-weight: 600; }
  .meta dd { margin: 0; }
  .summary { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 12px 0 14px; break-inside: avoid; }
  .summary h2 { font-size: 10pt; margin: 0 0 6px; }
  .chart { width: 100%; font-size: 9px; }
  .chart text { fill: #2d3748; }
  .digest { margin: 12px 0 14px; break-inside: avoid; }
  .digest h2 { font-size: 12pt; margin: 0 0 6px; }
  .digest ul { columns: 3; margin: 0; padding-left: 16px; }
  .note { background: #fffbea; border: 1px solid #f6e05e; padding: 6px 8px; margin: 8px 0; }
  table { width: 100%; border-collapse: collapse; table-layout: fixed; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th {
    text-align: left; background: #edf2f7; border-bottom: 1px solid #a0aec0; padding: 2px 3px; font-size: 7pt;
    vertical-align: bottom; overflow-wrap: anywhere;
  }
  td {
    border-bottom: 1px solid #e2e8f0; padding: 2px 3px; vertical-align: top; overflow-wrap: anywhere; font-size: 7.5pt;
    line-height: 1.3;
  }
  ${numberCss}
</style></head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <dl class="meta">
    <dt>Selection</dt><dd>${escapeHtml(input.selection)}</dd>
    <dt>Filters</dt><dd>${escapeHtml(input.filters.length ? input.filters.join(' · ') : 'none')}</dd>
    <dt>Data as of</dt><dd>${dataAsOf || '—'}</dd>
    <dt>Generated</dt><dd>${escapeHtml(generated)} · ${input.total.toLocaleString(input.locale)} rows</dd>
  </dl>
</header>
${
  input.digest
    ? `<section class="digest"><h2>${escapeHtml(input.digest.headline)}</h2>
  <ul>${input.digest.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul></section>`
    : `<section class="summary">
  <div><h2>Status distribution</h2>${statusChart}</div>
  <div><h2>${escapeHtml(input.barsTitle ?? 'Completion rate by course')}</h2>${barChartSvg(input.bars) || '<p>No courses in this report.</p>'}</div>
</section>`
}
${truncatedNote}
<table>
<colgroup>${cols}</colgroup>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body></html>`;
}

/** Letter for the countries that use it, A4 for everyone else. */
export function paperFor(locale: string): PaperFormat {
  const region = (() => {
    try {
      return new Intl.Locale(locale).maximize().region ?? '';
    } catch {
      return '';
    }
  })();
  return ['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE', 'PR', 'GT', 'CR', 'SV', 'DO', 'PA'].includes(region)
    ? 'Letter'
    : 'A4';
}

export const FOOTER_TEMPLATE =
  '<div style="font-size:8px;width:100%;text-align:center;color:#4a5568;font-family:sans-serif">Page ' +
  '<span class="pageNumber"></span> of <span class="totalPages"></span></div>';
