import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Navigator } from '../../renderer/src/lib/navigation.svelte';

/** The window's localStorage, as a map the test can read. */
function stubStorage(initial: Record<string, string> = {}): Map<string, string> {
  const store = new Map(Object.entries(initial));
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => store.get(key) ?? null,
    setItem: (key: string, value: string) => void store.set(key, value),
  });
  return store;
}

const course = { name: 'course', accountId: 'a1', courseId: 'c1' } as const;
const learner = { name: 'learner', email: 'zoe@example.com', accountId: 'a1', learnerId: 'l1' } as const;

describe('Navigator', () => {
  let store: Map<string, string>;
  beforeEach(() => {
    store = stubStorage();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('reopens on the section the window was left on, and on Overview when what was saved is not a section', () => {
    store.set('rollbook.section', JSON.stringify('reports'));
    expect(new Navigator().route).toEqual({ name: 'reports' });
    store.set('rollbook.section', JSON.stringify('course'));
    expect(new Navigator().route).toEqual({ name: 'overview' });
    store.set('rollbook.section', '{not json');
    expect(new Navigator().route).toEqual({ name: 'overview' });
  });

  it('remembers sections, never detail pages', () => {
    const nav = new Navigator();
    nav.go({ name: 'courses' });
    expect(store.get('rollbook.section')).toBe(JSON.stringify('courses'));
    nav.go(course);
    expect(store.get('rollbook.section')).toBe(JSON.stringify('courses'));
    expect(nav.section).toBe('courses');
  });

  it('goes back through detail pages to exactly where the user came from', () => {
    const nav = new Navigator();
    nav.go({ name: 'courses' });
    expect(nav.canGoBack).toBe(false);
    expect(nav.backTarget).toBeNull();
    expect(nav.back()).toBe(false);

    nav.go(course);
    nav.go(learner);
    expect(nav.route).toEqual(learner);
    expect(nav.section).toBe('learners');
    expect(nav.backTarget).toEqual(course);

    expect(nav.back()).toBe(true);
    expect(nav.route).toEqual(course);
    expect(nav.backTarget).toEqual({ name: 'courses' });
    expect(nav.back()).toBe(true);
    expect(nav.route).toEqual({ name: 'courses' });
    expect(nav.back()).toBe(false);
  });

  it('a section starts a fresh trail; a detail page reached another way goes back to its section', () => {
    const nav = new Navigator();
    nav.go({ name: 'courses' });
    nav.go(course);
    nav.go({ name: 'sync' });
    expect(nav.canGoBack).toBe(false);
    // The trail went with the section change: Back from a restored detail page leads to its own section.
    nav.replace(learner);
    expect(nav.backTarget).toEqual({ name: 'learners' });
    expect(nav.back()).toBe(true);
    expect(nav.route).toEqual({ name: 'learners' });
  });

  it('replacing the page (a course tab) and going where it already is do not grow the trail', () => {
    const nav = new Navigator();
    nav.go({ name: 'courses' });
    nav.go(course);
    nav.replace({ ...course, tab: 'sessions' });
    nav.go({ ...course, tab: 'sessions' });
    expect(nav.route).toEqual({ ...course, tab: 'sessions' });
    expect(nav.back()).toBe(true);
    expect(nav.route).toEqual({ name: 'courses' });
    expect(nav.canGoBack).toBe(false);
  });
});
