/**
 * Dates and numbers in the user's locale (the OS's unless Settings picks one) and time zone. Every timestamp from
 * the core is UTC ISO-8601; the window shows local time and keeps the UTC value for a hover title.
 */
import { isCalendarDay, sameLocalDay } from './dates';

export { utcTitle } from './dates';

class Formats {
  /** BCP 47 tag, or undefined for the OS locale. */
  locale = $state<string | undefined>(undefined);
  /** Ticks every 30 s so "5 min ago" stays true. */
  now = $state(Date.now());

  readonly #date = $derived(new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium' }));
  /** A calendar date is parsed as UTC midnight: shown in UTC it is that day in every zone (no shift west of UTC). */
  readonly #calendarDay = $derived(new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeZone: 'UTC' }));
  readonly #dateTime = $derived(new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }));
  readonly #time = $derived(new Intl.DateTimeFormat(this.locale, { timeStyle: 'short' }));
  readonly #weekday = $derived(
    new Intl.DateTimeFormat(this.locale, { weekday: 'short', day: 'numeric', month: 'short' }),
  );
  readonly #number = $derived(new Intl.NumberFormat(this.locale));
  readonly #percent = $derived(new Intl.NumberFormat(this.locale, { style: 'percent', maximumFractionDigits: 0 }));
  readonly #relative = $derived(new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' }));

  readonly effectiveLocale = $derived(this.#number.resolvedOptions().locale);

  date = (iso: string | null | undefined) =>
    iso ? (isCalendarDay(iso) ? this.#calendarDay : this.#date).format(new Date(iso)) : '—';
  /** Time spent, from seconds: "1 h 05 min", "12 min". */
  duration = (seconds: number | null | undefined): string => {
    if (seconds === null || seconds === undefined) return '—';
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${this.#number.format(minutes)} min`;
    return `${this.#number.format(Math.floor(minutes / 60))} h ${String(minutes % 60).padStart(2, '0')} min`;
  };
  /** A calendar date (no time to show) as `date` does. */
  dateTime = (iso: string | null | undefined) =>
    iso ? (isCalendarDay(iso) ? this.date(iso) : this.#dateTime.format(new Date(iso))) : '—';
  time = (iso: string | null | undefined) => (iso ? this.#time.format(new Date(iso)) : '—');
  /** "Mon 8 Jun": session columns. */
  day = (iso: string | null | undefined) => (iso ? this.#weekday.format(new Date(iso)) : '—');
  /**
   * A calendar date: `2026-01-31` is that day wherever the computer is (as UTC midnight it would show the 30th west of
   * UTC); a timestamp shows its local day.
   */
  calendar = (value: string | null | undefined): string => {
    if (!value) return '—';
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    return this.#date.format(day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value));
  };
  number = (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : this.#number.format(value);
  /** `rate` is 0..100. */
  percent = (rate: number | null | undefined) =>
    rate === null || rate === undefined ? '—' : this.#percent.format(rate / 100);

  /** "3 min ago", "yesterday", "in 2 days". */
  relative = (iso: string | null | undefined): string => {
    if (!iso) return '—';
    // The clock ticks every 30 s; a timestamp from a moment ago must not read as "in a moment".
    const seconds = (Date.parse(iso) - Math.max(this.now, Date.now())) / 1000;
    const abs = Math.abs(seconds);
    if (abs < 45) return 'just now';
    const units: [Intl.RelativeTimeFormatUnit, number][] = [
      ['minute', 60],
      ['hour', 3600],
      ['day', 86_400],
      ['week', 604_800],
      ['month', 2_592_000],
      ['year', 31_536_000],
    ];
    let unit = units[0]!;
    for (const candidate of units) if (abs >= candidate[1] * 0.9) unit = candidate;
    return this.#relative.format(Math.round(seconds / unit[1]), unit[0]);
  };

  /**
   * Builds every formatter now. The first Intl formatter of a kind loads locale data (tens of ms); doing it while the
   * window waits for its first answers keeps that off the first paint of a table.
   */
  warm(): void {
    for (const formatter of [this.#date, this.#dateTime, this.#time, this.#weekday, this.#number, this.#percent])
      formatter.format(0);
    this.#relative.format(1, 'day');
  }

  /** Same-day timestamps as "14:02", older ones with the date. */
  smart = (iso: string | null | undefined): string => {
    if (!iso) return '—';
    const at = Date.parse(iso);
    return sameLocalDay(at, this.now) ? this.#time.format(at) : this.#dateTime.format(at);
  };
}

export const formats = new Formats();
