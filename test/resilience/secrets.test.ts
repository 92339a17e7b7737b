/**
 * Secrets never leak: after a full scenario (add accounts, sync, a failed auth, exports, a killed sync, the CLI),
 * every secret is byte-searched in the data folder, the exports, every IPC response and event, the internal-error
 * log and the CLI's output. None may appear. The log files and the diagnostics text (app and CLI) are searched for
 * the learners' names and e-mail addresses too.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/core';
import { osKeychain, noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { filesContaining } from '../support/byte-search';
import { cli } from '../support/cli';
import { realKeychainAvailable } from '../support/keychain';
import { tempDir } from '../support/tmp';
import { startIspringSimulator } from '../simulators/ispring';
import { startSelfcommunitySimulator } from '../simulators/selfcommunity';
import { startTeamupSimulator } from '../simulators/teamup';

const ROOT = resolve(import.meta.dirname, '../..');

describe('secrets scenario', () => {
  const dir = tempDir('rollbook-secrets-');
  afterAll(() => dir.cleanup());

  it('no secret appears in the data dir, exports, IPC responses, events, logs or CLI output', async () => {
    const keychain = await realKeychainAvailable();
    const ispring = await startIspringSimulator({
      clientSecret: 'ISP-secret-Zk29-ÅÄÖ',
      password: 'ISP-legacy-pass-77',
    });
    const teamup = await startTeamupSimulator({ token: 'TU-token-q8W3e5R7' });
    const community = await startSelfcommunitySimulator({ jwtSecret: 'SC-jwt-key-P0o9I8u7Y6' });
    const secrets = [
      'ISP-secret-Zk29-ÅÄÖ',
      'ISP-legacy-pass-77',
      'TU-token-q8W3e5R7',
      'SC-jwt-key-P0o9I8u7Y6',
      'WRONG-secret-4f4f4f',
    ];
    const transcript: string[] = [];
    const internal: string[] = [];
    const diagnostics: string[] = [];
    const dataDir = join(dir.path, 'data');
    const exports = join(dir.path, 'exports');
    mkdirSync(exports);
    const core = createCore({
      dataDir,
      secrets: createSecretStore(keychain ? osKeychain() : noKeychain()),
      onInternalError: (e) => internal.push(String((e as Error)?.stack ?? e)),
      httpOptions: { retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 } },
    });
    core.onAny((event, payload) => transcript.push(`${event} ${JSON.stringify(payload)}`));
    const ipc = async (channel: string, input?: unknown) => {
      const envelope = await core.handle(channel, input);
      transcript.push(JSON.stringify(envelope));
      return envelope;
    };
    const storage = keychain ? 'keychain' : 'session';
    try {
      await ipc('accounts.add', {
        label: 'LMS',
        settings: {
          platform: 'ispring',
          baseUrl: ispring.url,
          authMode: 'token',
          clientId: ispring.options.clientId,
          format: 'xml',
        },
        secret: secrets[0],
        storage,
      });
      await ipc('accounts.add', {
        label: 'LMS legacy',
        settings: {
          platform: 'ispring',
          baseUrl: ispring.url,
          authMode: 'legacy',
          accountUrl: ispring.options.accountUrl,
          login: ispring.options.login,
          format: 'json',
        },
        secret: secrets[1],
        storage,
      });
      await ipc('accounts.add', {
        label: 'Studio',
        settings: {
          platform: 'teamup',
          baseUrl: `${teamup.url}/api/v2`,
          authScheme: 'token',
          providerId: null,
          completionThreshold: null,
        },
        secret: secrets[2],
        storage,
      });
      await ipc('accounts.add', {
        label: 'Community',
        settings: { platform: 'selfcommunity', baseUrl: community.url, authMode: 'jwt', jwtUserId: 7 },
        secret: secrets[3],
        storage,
      });
      const runs = await ipc('sync.run', {});
      expect(runs).toMatchObject({ ok: true });
      // Failed auth: a wrong secret is refused with a message that does not echo it.
      const wrong = await ipc('accounts.replaceSecret', { account: 'Studio', secret: secrets[4], storage });
      expect(wrong).toMatchObject({ ok: false, error: { code: 'auth_failed' } });
      // A token that dies upstream mid-sync.
      ispring.expireTokens();
      await ipc('sync.run', { mode: 'full' });
      await ipc('accounts.list');
      await ipc('accounts.test', { account: 'LMS' });
      await ipc('app.info');
      await ipc('reports.export', { definition: { kind: 'completions' }, format: 'csv', path: join(exports, 'c.csv') });
      await ipc('reports.export', { definition: { kind: 'courses' }, format: 'pdf', path: join(exports, 'c.pdf') });
      await ipc('workspace.overview', {});
      const report = await ipc('app.diagnostics');
      expect(report).toMatchObject({ ok: true });
      diagnostics.push((report as { value: { text: string } }).value.text);
    } finally {
      core.close();
    }

    if (keychain) {
      // The CLI reads the same keychain: list, sync (killed midway), test and a failing add.
      const env = { ROLLBOOK_DATA_DIR: dataDir };
      for (const args of [
        ['accounts', 'list', '--json'],
        ['accounts', 'test', 'Studio'],
        ['sync', '--status'],
        ['report', 'completions', '--out', join(exports, 'cli.csv')],
      ]) {
        const r = await cli(args, env);
        transcript.push(r.stdout, r.stderr);
      }
      const bad = await cli(['accounts', 'add', 'teamup', '--label', 'Bad', '--base-url', `${teamup.url}/api/v2`], {
        ...env,
        ROLLBOOK_SECRET: secrets[4],
      });
      expect(bad.code).toBe(1);
      transcript.push(bad.stdout, bad.stderr);
      const killed = await new Promise<string>((done) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(ROOT, 'electron/core/cli/main.ts'), 'sync', '--full'],
          { cwd: ROOT, env: { ...process.env, ...env } },
        );
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c));
        child.stderr.on('data', (c: Buffer) => {
          out += c;
          if (out.length > 50) child.kill('SIGKILL');
        });
        child.on('exit', () => done(out));
      });
      transcript.push(killed);
      const cliDiagnostics = await cli(['diagnostics'], env);
      expect(cliDiagnostics.code).toBe(0);
      diagnostics.push(cliDiagnostics.stdout);
    }

    await Promise.all([ispring.close(), teamup.close(), community.close()]);
    const text = transcript.join('\n') + internal.join('\n');
    for (const secret of secrets) {
      expect(filesContaining(dataDir, secret), secret).toEqual([]);
      expect(filesContaining(exports, secret), secret).toEqual([]);
      expect(text.includes(secret), `${secret} in IPC/events/logs/CLI output`).toBe(false);
    }
    expect(transcript.length).toBeGreaterThan(20);

    // The log recorded the scenario (its runs and its HTTP failures), and none of it names a learner.
    const logDir = join(dataDir, 'logs');
    const log = readdirSync(logDir)
      .map((name) => readFileSync(join(logDir, name), 'utf8'))
      .join('');
    expect(log).toMatch(/"msg":"sync finished"/);
    expect(log).toMatch(/"msg":"HTTP request failed"/);
    const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
    const people = db
      .prepare<[], { name: string; email: string | null }>('SELECT DISTINCT name, email FROM learners')
      .all();
    db.close();
    const personal = [...new Set(people.flatMap((p) => [p.name, p.email ?? '']).filter((text) => text.length >= 5))];
    expect(personal.filter((text) => text.includes('@')).length).toBeGreaterThan(10);
    expect(diagnostics.join('')).toMatch(/Last 20 sync runs/);
    for (const text of [...secrets, ...personal]) {
      expect(log.includes(text), `${text} in the log`).toBe(false);
      expect(diagnostics.join('\n').includes(text), `${text} in diagnostics`).toBe(false);
    }
  }, 120_000);
});
