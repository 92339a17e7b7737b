/**
 * Where the window is. Top-level sections come from the sidebar; course and learner pages are pushed on a small
 * stack so Esc (or the back button) returns to exactly where the user came from — the same filtered list.
 */
import { loadPref, savePref } from './persisted';

export type Section =
  'overview' | 'courses' | 'learners' | 'compliance' | 'changes' | 'sync' | 'reports' | 'settings' | 'about';
export type CourseTab = 'learners' | 'sessions' | 'attendance' | 'history';

export type Route =
  | { name: Section }
  | { name: 'course'; accountId: string; courseId: string; tab?: CourseTab }
  | { name: 'learner'; email: string | null; accountId: string; learnerId: string };

export const SECTION_TITLES: Record<Section, string> = {
  overview: 'Overview',
  courses: 'Courses',
  learners: 'Learners',
  compliance: 'Compliance',
  changes: 'Changes',
  sync: 'Sync',
  reports: 'Reports',
  settings: 'Settings',
  about: 'About Rollbook',
};

const sameRoute = (a: Route, b: Route) => JSON.stringify(a) === JSON.stringify(b);
const isSection = (value: unknown): value is Section =>
  typeof value === 'string' && Object.hasOwn(SECTION_TITLES, value);

export class Navigator {
  /** The window reopens on the section it was closed on, like any desktop app (detail pages are not restored). */
  #route = $state.raw<Route>({ name: loadPref('section', 'overview', isSection) });
  #stack = $state.raw<Route[]>([]);

  get route(): Route {
    return this.#route;
  }
  set route(route: Route) {
    this.#route = route;
    if (route.name !== 'course' && route.name !== 'learner') savePref('section', route.name);
  }

  /** The sidebar item that owns the current page. */
  readonly section: Section = $derived(
    this.route.name === 'course' ? 'courses' : this.route.name === 'learner' ? 'learners' : this.route.name,
  );
  readonly isDetail = $derived(this.route.name === 'course' || this.route.name === 'learner');
  readonly canGoBack = $derived(this.isDetail);
  /** Where Back leads, for its label. */
  readonly backTarget: Route | null = $derived(this.#stack.at(-1) ?? (this.isDetail ? { name: this.section } : null));

  go(route: Route): void {
    if (sameRoute(route, this.route)) return;
    // Sections start a fresh trail; detail pages stack on top of whatever was showing.
    const detail = route.name === 'course' || route.name === 'learner';
    this.#stack = detail ? [...this.#stack, this.route].slice(-50) : [];
    this.route = route;
  }

  /** Replaces the current page (e.g. switching a course tab) without growing the trail. */
  replace(route: Route): void {
    this.route = route;
  }

  back(): boolean {
    if (!this.canGoBack) return false;
    const previous = this.#stack.at(-1);
    this.#stack = this.#stack.slice(0, -1);
    this.route = previous ?? { name: this.section };
    return true;
  }
}
