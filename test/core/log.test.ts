/**
 * The log file (log/log.ts): JSON lines in <dataDir>/logs, with secrets, e-mail addresses, query strings, credentials,
 * HTTP body excerpts and sensitive fields removed, whichever thread's logger wrote them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../electron/core/http/client';
import { HttpError } from '../../electron/core/http/errors';
import { forwardingLogger, openLog, recentLoggedErrors, Scrubber } from '../../electron/core/log/log';
import { startSimServer } from '../simulators/server';
import { testCore } from '../support/core';
import { tempDir } from '../support/tmp';

/** Waits for what the log writes in the background: up to 15 s, a busy machine's worst, not a time limit. */
const waitFor = async (ok: () => boolean) => {
  for (let i = 0; i < 600 && !ok(); i += 1) await new Promise((r) => setTimeout(r, 25));
  expect(ok()).toBe(true);
};

describe('the log', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('writes JSON lines without secrets, e-mails, query strings, credentials, bodies or sensitive fields', async () => {
    const log = openLog(dir.path);
    const secret = 'Zk29-"quoted"-ÅÄÖ';
    log.scrubber.add(secret);
    const cause = new TypeError(`token ${secret} refused for jane.doe@school.example`);
    const failure = new HttpError(
      'server_error',
      'HTTP 500 for GET https://lms.example/v2/users?email=ann@lms.example&key=K1',
      500,
      'Ann Learner <ann@lms.example> could not be saved',
      { cause },
    );
    log.logger.error({ err: failure }, 'internal error');
    log.logger.warn(
      {
        url: 'https://lms.example/v2/x?access_token=T0k3n',
        headers: { authorization: 'Bearer abcdefghijkl' },
        email: 'x@y.example',
        secret,
      },
      `retry with Bearer abcdefghijkl123 and ${secret}`,
    );
    // A worker's logger: its finished lines are written by the thread owning the file.
    const workerScrubber = new Scrubber();
    workerScrubber.add('W0rker-secret');
    forwardingLogger(workerScrubber, (line) => log.writeLine(line), { thread: 7 }).info(
      { path: '/u/W0rker-secret' },
      'from a worker',
    );
    log.close();

    const logDir = join(dir.path, 'logs');
    await waitFor(() => existsSync(logDir) && readdirSync(logDir).length > 0 && readAll(logDir).split('\n').length > 3);
    const text = readAll(logDir);
    for (const leak of [
      secret,
      JSON.stringify(secret).slice(1, -1),
      'jane.doe',
      'ann@lms.example',
      'Ann Learner',
      'K1',
      'T0k3n',
      'abcdefghijkl',
      'x@y.example',
      'W0rker-secret',
    ]) {
      expect(text.includes(leak), leak).toBe(false);
    }
    type Logged = Record<string, unknown> & { err: { stack: string; cause: unknown } };
    const records = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Logged);
    expect(records.map((r) => r.msg)).toEqual([
      'internal error',
      expect.stringMatching(/^retry with Bearer \[secret\] and \[secret\]$/),
      'from a worker',
    ]);
    // The error keeps what explains it: type, message (scrubbed), status, stack and cause; never the body excerpt.
    expect(records[0]!.err).toMatchObject({
      type: 'HttpError',
      code: 'server_error',
      status: 500,
      message: expect.stringContaining('/v2/users?[query]'),
    });
    expect(records[0]!.err.stack).toMatch(/\n\s+at /);
    expect(records[0]!.err.cause).toMatchObject({ type: 'TypeError', message: 'token [secret] refused for [email]' });
    expect(Object.keys(records[0]!.err)).not.toContain('excerpt');
    expect(records[1]).toMatchObject({
      headers: '[redacted]',
      email: '[redacted]',
      secret: '[redacted]',
      url: 'https://lms.example/v2/x?[query]',
    });
    expect(records[2]).toMatchObject({ thread: 7, path: '/u/[secret]' });
    expect(recentLoggedErrors(logDir, 20)).toEqual([
      { time: records[0]!.time, msg: 'internal error', error: expect.stringMatching(/^HttpError: HTTP 500/) },
    ]);
  });
});

describe('an internal error through the contract', () => {
  it('answers with its cause on one scrubbed line, and logs it with its stack', async () => {
    const secret = 'TU-token-9fj3Kd';
    const { core, cleanup } = testCore({
      inlineSync: true,
      createConnector: () => {
        throw new TypeError(`cannot read "status" of undefined for ann@lms.example with ${secret}`);
      },
    });
    try {
      const settings = {
        platform: 'teamup',
        baseUrl: 'https://teamup.example/api/v2',
        authScheme: 'token',
        providerId: null,
        completionThreshold: null,
      };
      const envelope = await core.handle('accounts.add', { label: 'Studio', settings, secret, storage: 'session' });
      expect(envelope).toEqual({
        ok: false,
        error: {
          code: 'internal',
          message: 'Something went wrong inside Rollbook. Details are in the log.',
          detail: 'TypeError: cannot read "status" of undefined for [email] with [secret]',
        },
      });
      const logDir = core.logDir;
      await waitFor(() => existsSync(logDir) && readAll(logDir).includes('internal error'));
      const text = readAll(logDir);
      expect(text).toContain('cannot read \\"status\\" of undefined for [email] with [secret]');
      expect(text).toMatch(/"stack":"TypeError: .*\\n\s+at createConnector /);
      expect(text.includes(secret) || text.includes('ann@lms.example')).toBe(false);
    } finally {
      cleanup();
    }
  });
});

describe('a host without a file manager (the CLI, tests)', () => {
  it('answers "Open" on the log folder with where it is, not as an internal failure; the same for files', async () => {
    const { core, cleanup } = testCore();
    try {
      const logs = await core.handle('app.openLogs', undefined);
      const where = expect.stringContaining(core.logDir) as string;
      expect(logs).toEqual({ ok: false, error: { code: 'unsupported', message: where } });
      for (const [channel, input] of [
        ['host.openPath', { path: join(core.logDir, 'rollbook.1.log') }],
        ['host.chooseSavePath', { suggestedName: 'Report.csv', format: 'csv' }],
      ] as const) {
        expect(await core.handle(channel, input)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
      }
    } finally {
      cleanup();
    }
  });
});

describe('HTTP failures in the log', () => {
  it(
    'records each retry and the final failure: method, host, ' + 'path, status and code, never query or headers',
    async () => {
      let calls = 0;
      const sim = await startSimServer(() => {
        calls += 1;
        return calls < 3
          ? { status: 503, contentType: 'text/plain', body: 'Ann Learner ann@lms.example is busy' }
          : { status: 401, contentType: 'text/plain', body: 'no' };
      });
      const records: Record<string, unknown>[] = [];
      const client = createHttpClient({
        retry: { retries: 4, baseDelayMs: 5, maxDelayMs: 10 },
        log: { warn: (fields, msg) => records.push({ ...fields, msg }) },
      });
      try {
        const request = client.request({
          url: `${sim.url}/v2/users?email=ann@lms.example`,
          headers: { authorization: 'Bearer T0k3n-abcdef' },
        });
        await expect(request).rejects.toMatchObject({ code: 'auth_failed', status: 401 });
      } finally {
        await client.close();
        await sim.close();
      }
      const host = new URL(sim.url).host;
      expect(records).toEqual([
        {
          msg: 'HTTP retry',
          method: 'GET',
          host,
          path: '/v2/users',
          status: 503,
          code: 'server_error',
          attempt: 1,
          waitMs: expect.any(Number),
        },
        {
          msg: 'HTTP retry',
          method: 'GET',
          host,
          path: '/v2/users',
          status: 503,
          code: 'server_error',
          attempt: 2,
          waitMs: expect.any(Number),
        },
        {
          msg: 'HTTP request failed',
          method: 'GET',
          host,
          path: '/v2/users',
          status: 401,
          code: 'auth_failed',
          attempt: 3,
        },
      ]);
    },
  );
});

function readAll(dir: string): string {
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('');
}
