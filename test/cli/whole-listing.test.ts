/**
 * From the outside: `rollbook sync` against a TeamUp server whose attendance list ends at 2 of the 8 rows it reports
 * exits 1 with the reason and keeps the previous data; one whose customer list changes while it is read exits 0 but
 * says "partly synced" and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli';
import { realKeychainAvailable } from '../support/keychain';
import { tempDir } from '../support/tmp';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';

describe('CLI sync of a listing that is not whole', () => {
  const dir = tempDir();
  const run = (args: string[], env: Record<string, string> = {}) => cli([...args, '--data-dir', dir.path], env);
  let sim: TeamupSimulator;
  let keychain = false;
  let added = false;
  beforeAll(async () => {
    keychain = await realKeychainAvailable();
    sim = await startTeamupSimulator({ courses: 1, sessionsPerCourse: 2, customers: 250, rosterSize: 4 });
  });
  afterAll(async () => {
    await sim.close();
    if (added) await run(['accounts', 'remove', 'Studio', '--yes']);
    dir.cleanup();
  });

  it('fails a list cut short, says partly synced when the data moved', async (ctx) => {
    if (!keychain) return ctx.skip(); // the CLI keeps secrets only in the OS keychain
    const add = await run(['accounts', 'add', 'teamup', '--label', 'Studio', '--base-url', `${sim.url}/api/v2`], {
      ROLLBOOK_SECRET: sim.options.token,
    });
    expect(add.code, add.stderr).toBe(0);
    added = true;
    const first = await run(['sync']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/Studio: synced \(/);
    const counts = JSON.parse((await run(['info', '--json'])).stdout).counts as Record<string, number>;
    expect(counts.attendance).toBe(8);

    // The issue's server: two rows, then an empty second page without a next link while count still says 8.
    const rows = sim.data.attendances.slice(0, 2).map((a) => ({
      id: a.id,
      status: a.status,
      customer: a.customer,
      course_session: { id: a.course_session, course: 300 },
    }));
    sim.addFault({
      match: /course_session_attendances/,
      fault: {
        kind: 'reply',
        reply: (path) => {
          const second = new URL(path, sim.url).searchParams.get('page') === '2';
          return {
            body: JSON.stringify({
              count: 8,
              next: second ? null : `${sim.url}${path}&page=2`,
              previous: null,
              results: second ? [] : rows,
            }),
          };
        },
      },
    });
    const cut = await run(['sync', '--full']);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(
      /Studio: FAILED — TeamUp reported 8 course session attendances but the list it sent ended after 2\./,
    );
    expect(JSON.parse((await run(['info', '--json'])).stdout).counts).toEqual(counts);
    sim.clearFaults();

    // A customer signs up between the first and the second page of the customer list.
    sim.addFault({
      match: /customers\?.*page=2/,
      times: 1,
      fault: { kind: 'transform', apply: (body) => JSON.stringify({ ...JSON.parse(body), count: 251 }) },
    });
    const moved = await run(['sync', '--full']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toMatch(
      /Studio: partly synced \(.*\)\n {2}incomplete: TeamUp's list of customers changed while Rollbook read it/,
    );
  });
});
