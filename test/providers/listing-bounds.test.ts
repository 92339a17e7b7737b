/**
 * Listing bounds and wholeness, per connector, against the real simulators: a listing that repeats a page link or
 * token, runs far past the total it reported, or past the page ceiling fails with a reason; one whose rows disagree
 * with an unchanged total fails; one whose total moved while it was read is a gap (the run ends partial, saying so).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IspringSettings, SelfcommunitySettings, TeamupSettings } from '../../electron/core/contract/accounts';
import { createHttpClient } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import { createIspringConnector } from '../../electron/core/providers/ispring';
import { accountHttpOptions } from '../../electron/core/providers/registry';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { createSelfcommunityConnector } from '../../electron/core/providers/selfcommunity';
import { createTeamupConnector } from '../../electron/core/providers/teamup';
import type { Page } from '../../electron/core/providers/types';
import { testCore } from '../support/core';
import { startIspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import type { SimServer } from '../simulators/server';
import { startTeamupSimulator } from '../simulators/teamup';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
const signal = () => AbortSignal.timeout(60_000); // a hang guard, not a time limit

function client(settings: TeamupSettings | IspringSettings | SelfcommunitySettings) {
  const http = createHttpClient({ retry: { retries: 0 }, ...accountHttpOptions(settings) });
  closers.push(() => http.close());
  return http;
}

async function teamup(options: Parameters<typeof startTeamupSimulator>[0] = {}, maxPages?: number) {
  const sim = await startTeamupSimulator(options);
  closers.push(() => sim.close());
  const settings: TeamupSettings = {
    platform: 'teamup',
    baseUrl: `${sim.url}/api/v2`,
    authScheme: 'bearer',
    providerId: null,
    completionThreshold: null,
  };
  return {
    sim,
    connector: createTeamupConnector({ settings, secret: sim.options.token, http: client(settings), maxPages }),
  };
}

async function ispring(maxPages?: number) {
  const sim = await startIspringSimulator({ courses: 3, learners: 40, results: 50, pageSizeCap: 10 });
  closers.push(() => sim.close());
  const settings: IspringSettings = {
    platform: 'ispring',
    baseUrl: sim.url,
    authMode: 'token',
    clientId: sim.options.clientId,
    format: 'json',
  };
  return {
    sim,
    connector: createIspringConnector({ settings, secret: sim.options.clientSecret, http: client(settings), maxPages }),
  };
}

async function community() {
  const sim = await startSelfcommunitySimulator({ courses: 2, users: 300, membersPerCourse: 250 });
  closers.push(() => sim.close());
  const settings: SelfcommunitySettings = {
    platform: 'selfcommunity',
    baseUrl: sim.url,
    authMode: 'token',
    jwtUserId: null,
  };
  return {
    sim,
    connector: createSelfcommunityConnector({ settings, secret: sim.options.accessToken, http: client(settings) }),
  };
}

async function drain<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  const rows: T[] = [];
  for await (const page of pages) rows.push(...page.items);
  return rows;
}
async function failure(work: Promise<unknown>): Promise<HttpError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

/** Rewrites the real page: a parsed-JSON edit with the request's path. */
const rewrite = (
  sim: SimServer,
  match: RegExp,
  edit: (page: Record<string, unknown>, path: string) => unknown,
  times?: number,
) =>
  sim.addFault({
    match,
    times,
    fault: {
      kind: 'transform',
      apply: (body, path) => JSON.stringify(edit(JSON.parse(body) as Record<string, unknown>, path)),
    },
  });

describe('listing bounds', () => {
  it('TeamUp: endless distinct next links stop once the rows run far past the reported total', async () => {
    const { sim, connector } = await teamup({ customers: 150 });
    let n = 0;
    // Page 2 links to itself under ever-new URLs, as a server looping on its own cursor would.
    rewrite(sim, /customers\?.*page=2/, (page, path) => ({
      ...page,
      next: `${sim.url}${path.replace(/&loop=\d+/, '')}&loop=${++n}`,
    }));
    const error = await failure(drain(connector.learners({ signal: signal() })));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/^TeamUp reported 150 customers but kept listing more \(\d+ so far\)/);
    // Far past is bounded: the total plus max(100, half the total) rows, so here 300 rows (page 2 read four times).
    expect(n).toBe(4);
  });

  it('TeamUp: the page ceiling stops a listing whatever its total says', async () => {
    const { sim, connector } = await teamup({ customers: 1000 }, 4);
    const error = await failure(drain(connector.learners({ signal: signal() })));
    expect(error.message).toMatch(/^TeamUp kept sending more pages of customers \(4 pages, 400 rows\)/);
    // The one-row question about deleted customers, then the four pages the ceiling allows.
    expect(sim.requests.filter((r) => r.path.includes('/customers') && !r.path.includes('page_size=1&'))).toHaveLength(
      4,
    );
  });

  it('SelfCommunity: a next link back to a page already read fails instead of ending the list short', async () => {
    const { sim, connector } = await community();
    rewrite(sim, /course\/search/, (page) => ({ ...page, count: 2 }), 1);
    rewrite(sim, /users\/.*offset=100/, (page, path) => ({
      ...page,
      next: `${sim.url}${path.replace('offset=100', 'offset=0')}`,
    }));
    const error = await failure(drain(connector.progress({ signal: signal() })));
    expect(error.message).toMatch(
      /^SelfCommunity sent the same page of learners of course 40 again as the next page after 200 rows/,
    );
  });

  it('SelfCommunity: endless distinct next links stop past the total', async () => {
    const { sim, connector } = await community();
    let n = 0;
    rewrite(sim, /users\/.*offset=100/, (page, path) => ({
      ...page,
      next: `${sim.url}${path.replace(/&loop=\d+/, '')}&loop=${++n}`,
    }));
    const error = await failure(drain(connector.progress({ signal: signal() })));
    expect(error.message).toMatch(/^SelfCommunity reported 250 learners of course 40 but kept listing more/);
  });

  it(
    'iSpring: a repeated page token fails; endless new tokens stop at ' + 'the page ceiling (iSpring reports no total)',
    async () => {
      const { sim, connector } = await ispring();
      rewrite(
        sim,
        /users\/v2.*pageToken/,
        (page, path) => ({ ...page, nextPageToken: new URL(path, sim.url).searchParams.get('pageToken') }),
        1,
      );
      expect((await failure(drain(connector.learners({ signal: signal() })))).message).toMatch(
        /^iSpring Learn sent the same page of userProfiles again/,
      );

      const bounded = await ispring(6);
      let n = 0;
      bounded.sim.addFault({
        match: /users\/v2/,
        fault: {
          kind: 'reply',
          reply: () => ({
            body: JSON.stringify({
              userProfiles: [{ userId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` }],
              nextPageToken: `t${n}`,
            }),
          }),
        },
      });
      const error = await failure(drain(bounded.connector.learners({ signal: signal() })));
      expect(error.message).toMatch(/^iSpring Learn kept sending more pages of userProfiles \(6 pages, 0 rows\)/);
      expect(n).toBe(6);
    },
  );
});

describe('iSpring empty pages', () => {
  it('an empty page that still hands out a token is followed, a few in a row at most', async () => {
    const { sim, connector } = await ispring();
    // Page 1 links to a detour token; the detour is an empty page whose token leads back to the real page 2.
    let real: string | null = null;
    rewrite(sim, /users\/v2\?pageSize=\d+$/, (page) => {
      real = page.nextPageToken as string;
      return { ...page, nextPageToken: 'detour' };
    });
    sim.addFault({
      match: /pageToken=detour/,
      fault: { kind: 'reply', reply: () => ({ body: JSON.stringify({ userProfiles: [], nextPageToken: real }) }) },
    });
    const rows = await drain(connector.learners({ signal: signal() }));
    expect(rows.map((r) => r.id).sort()).toEqual(sim.data.users.map((u) => u.userId).sort());

    // Endless empty pages with ever-new tokens stop after a few.
    const endless = await ispring();
    let n = 0;
    endless.sim.addFault({
      match: /users\/v2/,
      fault: { kind: 'reply', reply: () => ({ body: JSON.stringify({ userProfiles: [], nextPageToken: `t${++n}` }) }) },
    });
    const error = await failure(drain(endless.connector.learners({ signal: signal() })));
    expect(error.message).toMatch(
      /^iSpring Learn kept sending empty pages of userProfiles that link to more \(4 in a row\)/,
    );
    expect(n).toBe(4);
  });
});

describe('wholeness through a sync run', () => {
  /** Attendance pages of 2 rows as the server sent them: count 8, the second page empty with no next link. */
  function shortAttendance(sim: SimServer, rows: unknown[]) {
    sim.addFault({
      match: /course_session_attendances/,
      fault: {
        kind: 'reply',
        reply: (path) => {
          const page = new URL(path, sim.url).searchParams.get('page') ?? '1';
          const next = page === '1' ? `${sim.url}${path}&page=2` : null;
          return {
            body: JSON.stringify({ count: 8, next, previous: null, results: page === '1' ? rows.slice(0, 2) : [] }),
          };
        },
      },
    });
  }

  async function runWith(connectorSim: Awaited<ReturnType<typeof teamup>>['sim']) {
    const t = testCore({ httpOptions: { retry: { retries: 0 } } });
    closers.push(async () => t.cleanup());
    const settings = {
      platform: 'teamup',
      baseUrl: `${connectorSim.url}/api/v2`,
      authScheme: 'bearer',
      providerId: null,
      completionThreshold: null,
    };
    await t.core.call('accounts.add', {
      label: 'Studio',
      settings: settings as never,
      secret: connectorSim.options.token,
      storage: 'session',
    });
    return t;
  }

  it('a TeamUp attendance list that ends at 2 of its 8 rows fails the run and keeps the previous data', async () => {
    const { sim } = await teamup({ courses: 1, sessionsPerCourse: 2, customers: 4, rosterSize: 4 });
    const t = await runWith(sim);
    expect((await t.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
    const attendance = sim.data.attendances.slice(0, 2).map((a) => ({
      id: a.id,
      status: a.status,
      customer: a.customer,
      course_session: { id: a.course_session, course: 300 },
    }));
    shortAttendance(sim, attendance);
    const [run] = await t.core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({ outcome: 'failed', errorCode: 'bad_response' });
    expect(run!.errorMessage).toMatch(
      /^TeamUp reported 8 course session attendances but the list it sent ended after 2\. .*kept the previous data/,
    );
  });

  it('a list whose total moves while it is read ends the run partial, saying which list and why', async () => {
    const { sim } = await teamup({ customers: 250 });
    const t = await runWith(sim);
    // A customer signs up between the first and second page of the customer list.
    rewrite(sim, /customers\?.*page=2/, (page) => ({ ...page, count: 251 }), 1);
    const [run] = await t.core.call('sync.run', { mode: 'full' });
    expect(run).toMatchObject({ outcome: 'partial', errorCode: 'incomplete', skipped: [] });
    expect(run!.errorMessage).toMatch(/^TeamUp's list of customers changed while Rollbook read it /);
    expect(run!.errorMessage).toContain('(its total moved between 250 and 251); 250 were read');
    // Unchanged lists stay ok.
    expect((await t.core.call('sync.run', { mode: 'full' }))[0]!.outcome).toBe('ok');
  });

  it('customers leaving mid-listing end the run partial without losing the customers the pages skipped', async () => {
    const { sim } = await teamup({ customers: 250 });
    const t = await runWith(sim);
    expect((await t.core.call('sync.run', {}))[0]!.outcome).toBe('ok');
    // Between pages the two oldest customers leave: the next offset page starts two customers later than it would
    // have, so two who are still there are never listed.
    sim.options.churn = { path: '/customers', add: 0, remove: 2 };
    const [run] = await t.core.call('sync.run', { mode: 'full' });
    sim.options.churn = null;
    expect(run).toMatchObject({ outcome: 'partial', errorCode: 'incomplete' });
    const db = new Database(join(t.dataDir, DB_FILE_NAME), { readonly: true });
    const cached = new Set(
      db
        .prepare(
          'SELECT l.id FROM learners l JOIN accounts a' +
            ' ON a.id = l.account_id AND a.live_generation = l.generation',
        )
        .all()
        .map((r) => (r as { id: string }).id),
    );
    db.close();
    for (const customer of sim.data.customers) {
      expect(cached.has(String(customer.id)), `customer ${customer.id}`).toBe(true);
    }
    expect(run!.errorMessage).toMatch(/kept from the previous sync\.$/);
  });
});
