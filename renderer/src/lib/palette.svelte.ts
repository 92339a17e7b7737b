/**
 * The command palette's model: commands (go to, sync, switch account, add account, export) filtered by what is
 * typed, plus courses and learners found in the cache. Matching ignores case and accents ("zoe" finds "Zoë").
 */
import type { OutputOf } from '$contract/channels';
import type { AppState } from './app-state.svelte';
import { platformSelection } from './app-state.svelte';
import { SECTION_TITLES, type Section } from './navigation.svelte';
import { PLATFORMS } from './platforms';
import { Resource } from './resource.svelte';
import { call } from './rollbook';

export interface PaletteItem {
  id: string;
  group: 'Go to' | 'Actions' | 'Accounts' | 'Courses' | 'Learners';
  label: string;
  hint?: string;
  run: () => void;
}

export const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

export class PaletteModel {
  query = $state('');
  active = $state(0);
  /** Courses and learners in the cache matching what is typed. */
  readonly found = new Resource<OutputOf<'workspace.search'>>();
  #cancelSearch: () => void = () => undefined;

  constructor(private readonly app: AppState) {}

  readonly commands: PaletteItem[] = $derived.by(() => {
    const app = this.app;
    const sections: Section[] = ['overview', 'courses', 'learners', 'sync', 'reports', 'settings'];
    const items: PaletteItem[] = sections.map((section) => ({
      id: `go:${section}`,
      group: 'Go to',
      label: SECTION_TITLES[section],
      run: () => app.nav.go({ name: section }),
    }));
    items.push(
      {
        id: 'sync:all',
        group: 'Actions',
        label: 'Sync all accounts',
        run: () => app.sync.run(app.accounts.filter((a) => !a.needsReconnect).map((a) => a.id)),
      },
      ...app.orderedAccounts.map<PaletteItem>((a) => ({
        id: `sync:${a.id}`,
        group: 'Actions',
        label: `Sync ${a.label}`,
        hint: PLATFORMS[a.platform].label,
        run: () => app.sync.run([a.id]),
      })),
      {
        id: 'export',
        group: 'Actions',
        label: 'Export a report…',
        hint: 'CSV, Excel or PDF',
        run: () => app.openReport(null),
      },
      {
        id: 'add-account',
        group: 'Actions',
        label: 'Add an account…',
        run: () => (app.dialog = { kind: 'add-account' }),
      },
      {
        id: 'theme',
        group: 'Actions',
        label: 'Switch light / dark',
        run: () => {
          const dark =
            document.documentElement.dataset.theme === 'dark' ||
            (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
          void app.updateSettings({ theme: dark ? 'light' : 'dark' });
        },
      },
      { id: 'select:all', group: 'Accounts', label: 'All accounts', run: () => app.select(null) },
      ...app.orderedAccounts
        .map((a) => a.platform)
        .filter((p, i, all) => all.indexOf(p) === i)
        .map<PaletteItem>((p) => ({
          id: `select:platform:${p}`,
          group: 'Accounts',
          label: `All ${PLATFORMS[p].label} accounts`,
          run: () => app.select(platformSelection(p)),
        })),
      ...app.orderedAccounts.map<PaletteItem>((a) => ({
        id: `select:${a.id}`,
        group: 'Accounts',
        label: a.label,
        hint: PLATFORMS[a.platform].label,
        run: () => app.select(a.id),
      })),
    );
    return items;
  });

  readonly items: PaletteItem[] = $derived.by(() => {
    const q = fold(this.query.trim());
    const app = this.app;
    const commands = q
      ? this.commands.filter((c) => fold(`${c.label} ${c.hint ?? ''}`).includes(q))
      : this.commands.filter((c) => c.group === 'Go to');
    const found = (q && this.found.value) || { courses: [], learners: [] };
    return [
      ...commands.slice(0, q ? 8 : 6),
      ...found.courses.map<PaletteItem>((c) => ({
        id: `course:${c.accountId}:${c.id}`,
        group: 'Courses',
        label: c.name,
        hint: c.accountLabel,
        run: () => app.nav.go({ name: 'course', accountId: c.accountId, courseId: c.id }),
      })),
      ...found.learners.map<PaletteItem>((l) => ({
        id: `learner:${l.accountId}:${l.learnerId}`,
        group: 'Learners',
        label: l.name,
        hint: l.email ?? undefined,
        run: () => app.nav.go({ name: 'learner', email: l.email, accountId: l.accountId, learnerId: l.learnerId }),
      })),
    ];
  });

  /** Called on every keystroke; the cache lookup is debounced lightly and stale answers are dropped. */
  search(): void {
    this.active = 0;
    this.#cancelSearch();
    const query = this.query.trim();
    if (!query) {
      this.found.clear();
      return;
    }
    this.#cancelSearch = this.found.loadSoon(60, () =>
      call('workspace.search', { accountIds: this.app.scope, query, limit: 6 }),
    );
  }

  dispose(): void {
    this.#cancelSearch();
  }
}
