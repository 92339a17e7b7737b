/**
 * The bench's network conditions: the simulators' shared per-minute limit answers 429 with Retry-After past L
 * requests and starts a new window when set again; the longest chain of dependent requests is read from the log.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { longestChain } from '../../bench/network';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import type { RecordedRequest } from '../simulators/server';

describe('network conditions for the bench', () => {
  const simP = startSelfcommunitySimulator({ courses: 3, users: 10, membersPerCourse: 5 });
  afterAll(async () => (await simP).close());

  it('answers 429 with Retry-After past the per-minute limit, and a new limit opens a new window', async () => {
    const sim = await simP;
    const get = () =>
      fetch(`${sim.url}/api/v2/course/search/?limit=10&offset=0`, {
        headers: { authorization: `Bearer ${sim.options.accessToken}` },
      });
    sim.requestsPerMinute = 3;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i += 1) {
      const res = await get();
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(2);

    sim.requestsPerMinute = 3;
    expect((await get()).status).toBe(200);
    sim.requestsPerMinute = 0;
  });

  it('chains token pages in full, numbered pages after their first, and per-id lists after the list', () => {
    const r = (path: string, method = 'GET'): RecordedRequest => ({ method, path, headers: {}, at: 0, status: 200 });
    const log = [
      r('/api/v3/token', 'POST'),
      r('/learners/results?pageSize=2&userStatuses%5B%5D=1'),
      r('/learners/results?pageSize=2&userStatuses%5B%5D=1&pageToken=a'),
      r('/learners/results?pageSize=2&userStatuses%5B%5D=1&pageToken=b'),
      ...[1, 2, 3, 4, 5].map((p) => r(`/courses?page=${p}`)),
    ];
    expect(longestChain(log)).toEqual({ chain: 4, listing: '/learners/results' });

    const perCourse = [
      r('/courses?limit=2&offset=0'),
      r('/courses?limit=2&offset=2'),
      ...[0, 1, 2].map((o) => r(`/course/7/users/?limit=2&offset=${o * 2}`)),
    ];
    expect(longestChain(perCourse)).toEqual({ chain: 3, listing: '/course/{id}/users/' });

    const filtered = [
      r('/courses?page_size=2'),
      r('/courses?page_size=2&page=2'),
      ...[1, 2, 3].map((p) => r(`/course_sessions?course=300%2C301&page_size=2&page=${p}`)),
    ];
    expect(longestChain(filtered)).toEqual({ chain: 3, listing: '/course_sessions' });
  });
});
