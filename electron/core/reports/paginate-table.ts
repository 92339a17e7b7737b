/**
 * Chromium lays out one long table across pages in time that grows faster than the row count (the same rows split
 * into several tables print in about half the time). So before printing, the Node
 * renderer measures the rows once in print media at the page width and cuts the table into one table per page,
 * each with its own header row and the template's column widths: pages look as Chromium would paginate them (rows are
 * never split, the header repeats), in a third to half less time. Row heights come from screen text metrics; a row that
 * grew by a line in print would make its page's block a little taller than the page, and Chromium would slice that
 * block across two pages (that row might be cut in two, but nothing is lost). Once cut, the document is hidden until
 * the print begins ('beforeprint'), and the hosts check afterwards that it was shown.
 *
 * Plain JavaScript source, not a function: it runs in the page, where bundler helpers do not exist.
 */
export const PAGINATE_TABLE = /* js */ `(pageHeight) => {
  const SLACK = 4;
  const table = document.querySelector('table');
  if (!table || !table.tHead || table.tBodies.length !== 1) return 0;
  const rows = Array.from(table.tBodies[0].rows);
  if (rows.length < 2) return 1;
  // Read every position before changing anything: one layout, not one per row.
  const head = table.tHead.getBoundingClientRect().height;
  const top = table.getBoundingClientRect().top + window.scrollY;
  const tops = rows.map((row) => row.getBoundingClientRect().top + window.scrollY);
  tops.push(rows[rows.length - 1].getBoundingClientRect().bottom + window.scrollY);
  const starts = [];
  let used = top - Math.floor(top / pageHeight) * pageHeight + head;
  for (let i = 0; i < rows.length; i += 1) {
    const height = tops[i + 1] - tops[i];
    if (i > 0 && used + height > pageHeight - SLACK) {
      starts.push(i);
      used = head + height;
    } else {
      used += height;
    }
  }
  // Every page's table keeps the column widths the template gave the first (its colgroup, fixed layout).
  const columns = table.querySelector(':scope > colgroup');
  let previous = table;
  starts.forEach((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1] : rows.length;
    // Each page's table sits in an inline block, which print lays out whole (and faster) instead of fragmenting it.
    // Should a table ever outgrow its page, Chromium slices the block across pages.
    const sheet = document.createElement('div');
    sheet.style.cssText = 'break-before: page; line-height: 0';
    const block = sheet.appendChild(document.createElement('div'));
    block.style.cssText = 'display: inline-block; width: 100%; vertical-align: top; line-height: normal';
    const page = block.appendChild(table.cloneNode(false));
    if (columns) page.append(columns.cloneNode(true));
    page.append(table.tHead.cloneNode(true));
    const body = page.appendChild(document.createElement('tbody'));
    for (let i = start; i < end; i += 1) body.append(rows[i]);
    previous.after(sheet);
    previous = sheet;
  });
  // Print lays the cut tables out again at the page size anyway. Shown meanwhile, they would first get a full screen
  // layout of their own in the next frame, nearly as costly as print's; hidden, that frame is free.
  if (starts.length > 0) {
    document.body.style.display = 'none';
    window.addEventListener('beforeprint', () => { document.body.style.display = ''; }, { once: true });
  }
  return starts.length + 1;
}`;

/**
 * Run after printing: shows the report again if the printer never announced itself (no 'beforeprint': a Chromium or
 * Electron that skips it). True means the PDF just made was blank and must be printed again.
 */
export const SHOW_IF_STILL_HIDDEN = /* js */ `() => {
  if (document.body.style.display !== 'none') return false;
  document.body.style.display = '';
  return true;
}`;

/**
 * Both hosts print through this: `print` makes the PDF, `evaluate` runs a script in the report's page. Were the report
 * still hidden afterwards, the PDF is blank: it is shown and printed again.
 */
export async function printShown<T>(
  print: () => Promise<T>,
  evaluate: (script: string) => Promise<unknown>,
): Promise<T> {
  const pdf = await print();
  return (await evaluate(`(${SHOW_IF_STILL_HIDDEN})()`)) === true ? print() : pdf;
}
