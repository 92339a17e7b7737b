import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CourseRow, ReportDefinitionInput, ReportPreview } from '../../electron/core/contract/channels';
import { AppState } from '../../renderer/src/lib/app-state.svelte';
import { ReportBuilder, reportBuilderFor } from '../../renderer/src/lib/reports.svelte';
import { account, deferred, installBridge, type FakeBridge } from './fake-bridge';

const ada = account('a1', 'teamup', 'Ada TeamUp');
const bob = account('a2', 'ispring', 'Bob iSpring');

/** A preview that says which definition it answers, so a test can tell answers apart. */
function previewOf(definition: ReportDefinitionInput): ReportPreview {
  return {
    columns: [{ key: definition.title ?? definition.kind, label: 'Which', type: 'text' }],
    rows: [],
    total: 0,
    breakdown: {},
  };
}

/** Lets the bridge's answers (promises) land; timers are fake, so this moves no clock. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ReportBuilder', () => {
  let bridge: FakeBridge;
  let app: AppState;
  let builder: ReportBuilder;
  const stops: (() => void)[] = [];

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    bridge = installBridge()
      .answer('accounts.list', () => [ada, bob])
      .answer('reports.preview', ({ definition }) => previewOf(definition));
    app = new AppState();
    stops.push(app.listen());
    await app.load();
    builder = new ReportBuilder(app);
    stops.push(builder.listen());
  });
  afterEach(() => {
    stops.splice(0).forEach((stop) => stop());
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** The view's preview effect, as ReportsView runs it. */
  function followPreview(): void {
    stops.push(
      $effect.root(() => {
        $effect(() => builder.previewSoon());
      }),
    );
    flushSync();
  }

  it('is one per window, and keeps following its filters after the view that first asked for it is gone', () => {
    // As ReportsView does: the first visit builds it, inside the view's own effects.
    let first: ReportBuilder | undefined;
    const view = $effect.root(() => {
      first = reportBuilderFor(app);
      first.title = 'Before';
      expect(first.definition.title).toBe('Before');
    });
    view();
    const again = reportBuilderFor(app);
    expect(again).toBe(first);
    again.title = 'After';
    expect(again.definition.title).toBe('After');
    expect(reportBuilderFor(new AppState())).not.toBe(again);
  });

  it('enter: a new preset starts the definition from it; the same one again keeps the user’s edits', () => {
    builder.savedName = 'Weekly';
    const preset: Partial<ReportDefinitionInput> = { kind: 'attendance', courseIds: ['c1'], title: 'Course One' };
    builder.enter(['a1'], preset);
    expect(builder.kind).toBe('attendance');
    expect(builder.accountIds).toEqual(['a1']);
    expect(builder.courseIds).toEqual(['c1']);
    expect(builder.savedName).toBe('');

    // The user edits, visits another view and comes back: same selection, same preset.
    builder.from = '2026-01-01';
    builder.enter(['a1'], preset);
    expect(builder.from).toBe('2026-01-01');
    expect(builder.title).toBe('Course One');

    // A new selection in the sidebar replaces only the account filter.
    builder.enter(null, preset);
    expect(builder.accountIds).toBeNull();
    expect(builder.from).toBe('2026-01-01');
    expect(builder.kind).toBe('attendance');

    // "Report this course" again (a new request, even for the same course) starts over.
    builder.enter(null, { ...preset, accountIds: ['a2'] });
    expect(builder.from).toBe('');
    expect(builder.accountIds).toEqual(['a2']);
  });

  it('enter without a preset takes the selection once, then leaves the account filter to the user', () => {
    builder.enter(['a1'], null);
    expect(builder.accountIds).toEqual(['a1']);
    builder.setAccount('a2', true);
    expect(builder.accountIds).toBeNull();
    // The same selection (a fresh but equal array, as the app's derived scope gives) changes nothing.
    builder.enter(['a1'], null);
    expect(builder.accountIds).toBeNull();
  });

  it('reads the preview once the definition stops changing, and only for the latest definition', async () => {
    followPreview();
    await vi.advanceTimersByTimeAsync(300);
    expect(bridge.inputs('reports.preview')).toHaveLength(1);

    builder.title = 'A';
    flushSync();
    await vi.advanceTimersByTimeAsync(100);
    builder.title = 'AB';
    flushSync();
    await vi.advanceTimersByTimeAsync(100);
    expect(bridge.inputs('reports.preview')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(bridge.inputs('reports.preview').map((i) => i.definition.title)).toEqual([undefined, 'AB']);
    expect(builder.preview.value).toMatchObject({ columns: [{ key: 'AB' }] });
    expect(builder.preview.loading).toBe(false);
  });

  it('waits for a valid definition before asking', async () => {
    followPreview();
    await vi.advanceTimersByTimeAsync(300);
    builder.from = '2026-03-31';
    builder.to = '2026-03-01';
    flushSync();
    expect(builder.problems.to).toBe('The end date is before the start date.');
    await vi.advanceTimersByTimeAsync(1000);
    expect(bridge.inputs('reports.preview')).toHaveLength(1);
    builder.to = '2026-04-30';
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    expect(bridge.inputs('reports.preview').at(-1)?.definition).toMatchObject({ from: '2026-03-31', to: '2026-04-30' });
  });

  it('drops the answer to a definition that changed while it was on its way', async () => {
    const slow = deferred<ReportPreview>();
    bridge.answer('reports.preview', ({ definition }) =>
      definition.title === 'slow' ? slow.promise : previewOf(definition),
    );
    followPreview();
    builder.title = 'slow';
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    expect(builder.preview.loading).toBe(true);

    builder.title = 'fast';
    flushSync();
    slow.resolve(previewOf({ kind: 'completions', accountIds: null, title: 'slow' }));
    await settle();
    expect(builder.preview.value).toBeNull();
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(builder.preview.value).toMatchObject({ columns: [{ key: 'fast' }] });
  });

  it('reads the preview again when the accounts change, and drops removed accounts from the filter', async () => {
    followPreview();
    builder.accountIds = ['a1', 'a2'];
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    const before = bridge.inputs('reports.preview').length;

    bridge.emit('accounts.changed', { accounts: [ada] });
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    expect(builder.accountIds).toEqual(['a1']);
    expect(bridge.inputs('reports.preview')).toHaveLength(before + 1);
    expect(bridge.inputs('reports.preview').at(-1)?.definition.accountIds).toEqual(['a1']);
  });

  it('suggests courses of the chosen accounts as a name is typed, leaving out the chosen ones', async () => {
    const course = (id: string, name: string) => ({ id, name, accountId: 'a1' }) as CourseRow;
    bridge.answer(
      'workspace.coursePage',
      () =>
        ({ total: 3, rows: [course('c1', 'Safety 1'), course('c2', 'Safety 2'), course('c3', 'Safety 3')] }) as never,
    );
    builder.accountIds = ['a1'];
    builder.addCourse('c2', 'Safety 2');
    let query = $state('');
    stops.push(
      $effect.root(() => {
        $effect(() => builder.suggestCourses(query));
      }),
    );
    flushSync();

    query = 'saf';
    flushSync();
    query = 'safe';
    flushSync();
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    expect(bridge.inputs('workspace.coursePage')).toEqual([{ accountIds: ['a1'], search: 'safe', limit: 9 }]);
    expect(builder.courseSuggestions.value?.map((c) => c.id)).toEqual(['c1', 'c3']);

    query = ' ';
    flushSync();
    expect(builder.courseSuggestions.value).toBeNull();
  });

  it('suggests each person once for a transcript, whatever the capitals of their e-mail in each account', async () => {
    const person = (accountId: string, name: string, email: string | null) => ({
      accountId,
      learnerId: `${accountId}-${name}`,
      name,
      email,
    });
    bridge.answer('workspace.search', () => ({
      courses: [],
      learners: [
        person('a1', 'Zoë', 'zoe@example.com'),
        person('a2', 'Zoë', 'ZOE@example.com'),
        person('a2', 'Zack', null),
        person('a2', 'Zed', 'zed@example.com'),
      ],
    }));
    stops.push(
      $effect.root(() => {
        $effect(() => builder.suggestLearners());
      }),
    );
    // Only transcripts ask, and only once two letters are typed.
    builder.learnerEmail = 'ze';
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    builder.kind = 'learner';
    builder.learnerEmail = 'z';
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    expect(bridge.inputs('workspace.search')).toEqual([]);
    builder.learnerEmail = 'ze';
    flushSync();
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(bridge.inputs('workspace.search')).toEqual([{ accountIds: null, query: 'ze', limit: 8 }]);
    expect(builder.learnerSuggestions.value).toEqual([
      { name: 'Zoë', email: 'zoe@example.com' },
      { name: 'Zed', email: 'zed@example.com' },
    ]);
  });
});
