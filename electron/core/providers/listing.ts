/**
 * Whether a paged listing was read whole. Connectors page through lists with links or tokens the server hands out;
 * a server (or proxy) that ends a list early, repeats a page or never stops would otherwise give a run that says
 * "synced" over a fraction of the rows, or one that never ends. Each listing is checked page by page:
 * - a link or token already followed is a loop, not the end (the listing fails);
 * - more pages than `maxPages`, or rows far beyond the total the platform reported, end it too;
 * - at the end, rows read are compared with the reported total. When the total held still, a mismatch means the
 *   server contradicted itself (the listing fails and the previous data stays). When it moved between pages, the data
 *   changed while it was read, which is normal on a live platform: offset pages may then skip or repeat rows, so the
 *   listing is reported as a gap (the run ends partial, saying so) rather than failed.
 * Only the current and previous page's ids are held, whatever the listing's size.
 */
import { HttpError } from '../http/errors';

/** Pages per listing before it is taken for a runaway (100k rows per page size of 100 is 10 M rows). */
export const MAX_LISTING_PAGES = 100_000;
/** Rows a listing may run past the largest total it reported before it is taken for a runaway. */
const RUNAWAY_SLACK = (total: number) => Math.max(100, Math.ceil(total / 2));

export interface ListingOptions {
  /** The platform's name, as the user knows it ("TeamUp"). */
  platform: string;
  /** What is listed, for messages: "customers", "learners of course 12". */
  what: string;
  maxPages?: number;
}

export class ListingCheck {
  private pages = 0;
  private rows = 0;
  private lastTotal: number | null = null;
  private minTotal = Number.POSITIVE_INFINITY;
  private maxTotal = 0;
  private drift = false;
  private repeats = 0;
  private shrank = false;
  private readonly links = new Set<string>();
  private previousIds = new Set<string>();
  private readonly maxPages: number;

  constructor(private readonly o: ListingOptions) {
    this.maxPages = o.maxPages ?? MAX_LISTING_PAGES;
  }

  private fail(message: string): HttpError {
    return new HttpError(
      'bad_response',
      `${message} Rollbook stopped reading it and kept the previous data; try again later.`,
    );
  }

  /** Before requesting a page: refuses a link or token already followed, and a listing past the page ceiling. */
  visit(link: string): void {
    if (this.links.has(link)) {
      throw this.fail(
        `${this.o.platform} sent the same page of ${this.o.what} again as the next page ` +
          `after ${this.rows} rows, so the list would never end.`,
      );
    }
    if (this.pages >= this.maxPages) {
      throw this.fail(
        `${this.o.platform} kept sending more pages of ${this.o.what} (${this.pages} pages, ${this.rows} rows).`,
      );
    }
    // Only a short string per page: a 10M-row listing holds 100k of them at most.
    this.links.add(link);
  }

  /** A link that was visited but not read (its request was refused and will be sent again in another form). */
  forget(link: string): void {
    this.links.delete(link);
  }

  /** After a page: the total it reported (null when the platform gives none) and the ids of its rows. */
  read(total: number | null, ids: readonly string[]): void {
    this.pages += 1;
    this.rows += ids.length;
    if (total !== null) {
      if (this.lastTotal !== null && total !== this.lastTotal) this.drift = true;
      this.lastTotal = total;
      this.minTotal = Math.min(this.minTotal, total);
      this.maxTotal = Math.max(this.maxTotal, total);
      if (this.rows > this.maxTotal + RUNAWAY_SLACK(this.maxTotal)) {
        throw this.fail(
          `${this.o.platform} reported ${this.maxTotal} ${this.o.what} but kept listing more (${this.rows} so far).`,
        );
      }
    }
    // A row on two neighbouring pages (or twice on one) means the pages shifted under the reader: others may be missed.
    const current = new Set<string>();
    for (const id of ids) {
      if (current.has(id) || this.previousIds.has(id)) this.repeats += 1;
      current.add(id);
    }
    this.previousIds = current;
  }

  /** The server answered "no such page" mid-listing: the list shrank while it was read. */
  ended(): void {
    this.shrank = true;
  }

  /**
   * At the end of the listing: null when it was read whole (as far as the platform lets anyone tell), else why not,
   * for a partial run. Throws when the platform's own figures contradict what it sent and nothing changed.
   */
  finish(): string | null {
    const { platform, what } = this.o;
    if (this.shrank) {
      return (
        `${platform}'s list of ${what} shrank while Rollbook read it (${this.rows} ` +
        'read): some may be missing until the next sync.'
      );
    }
    if (this.lastTotal === null) return null;
    if (this.drift) {
      return (
        `${platform}'s list of ${what} changed while Rollbook read it (its total moved ` +
        `between ${this.minTotal} and ${this.maxTotal}); ${this.rows} were read, ` +
        'so some may be missing or out of date until the next sync.'
      );
    }
    if (this.rows !== this.lastTotal) {
      throw this.fail(`${platform} reported ${this.lastTotal} ${what} but the list it sent ended after ${this.rows}.`);
    }
    if (this.repeats > 0) {
      return (
        `${platform} listed ${this.repeats} of the ${what} twice while Rollbook read the ` +
        'list, so as many others may be missing until the next sync.'
      );
    }
    return null;
  }
}

/** Where a connector reports a listing that was not read whole: the run's gap list, or (used directly) an error. */
export function reportGap(onGap: ((reason: string) => void) | undefined, reason: string | null): void {
  if (reason === null) return;
  if (!onGap) throw new HttpError('bad_response', reason);
  onGap(reason);
}
