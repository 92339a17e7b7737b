/** Names the app suggests in its Save dialogs. */
export type ExportFormat = 'csv' | 'pdf' | 'xlsx';

/** "Completions 2026-06-01.csv" (today, local time): a file name without characters any OS refuses. */
export function suggestedFileName(title: string, format: ExportFormat, now = Date.now()): string {
  const printable = [...title].map((c) => (c.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(c) ? ' ' : c)).join('');
  const safe = printable.replace(/\s+/g, ' ').trim().slice(0, 80) || 'Report';
  // en-CA writes dates as YYYY-MM-DD.
  return `${safe} ${new Intl.DateTimeFormat('en-CA').format(now)}.${format}`;
}
