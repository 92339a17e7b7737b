/**
 * A compromised renderer: script in the window calls every contract channel through main's real IPC registration
 * (electron/main/index.ts under a fake `electron`, a real core) with hostile paths: executables, ../ escapes, the
 * cache database itself, device files, UNC paths and symlinks. Nothing outside what the main process allowed may be
 * opened or written: exports go only where the Save dialog pointed (once), and only files this run wrote open.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../electron/core/contract/channels';
import { DB_FILE_NAME } from '../../electron/core/store/db';
import { tempDir } from '../support/tmp';
import { launch, stopApp, type Launched } from './launch';

vi.mock('electron', () => import('./fake-electron'));

/** Every file under `dir` with a hash of its bytes (symlinks as their target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) out[relative(dir, full)] = 'symlink';
      else out[relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('a compromised renderer', () => {
  const victim = tempDir('rollbook-victim-');
  let app: Launched;
  let docs: string;
  let dataDir: string;
  let hostilePaths: string[];
  let victimBefore: Record<string, string>;

  beforeAll(async () => {
    app = await launch();
    docs = app.fake.app.getPath('documents');
    dataDir = app.fake.app.getPath('userData');
    writeFileSync(join(victim.path, 'notes.txt'), "the user's own file");
    writeFileSync(join(victim.path, 'payload.sh'), '#!/bin/sh\necho owned\n');
    chmodSync(join(victim.path, 'payload.sh'), 0o755);
    writeFileSync(join(victim.path, 'report.exe'), 'MZ');
    symlinkSync(join(victim.path, 'notes.txt'), join(victim.path, 'link.csv'));
    symlinkSync('/bin/sh', join(victim.path, 'shell.pdf'));
    victimBefore = snapshot(victim.path);
    hostilePaths = [
      join(dataDir, DB_FILE_NAME),
      join(dataDir, `${DB_FILE_NAME}-wal`),
      join(victim.path, 'notes.txt'),
      join(victim.path, 'payload.sh'),
      join(victim.path, 'report.exe'),
      join(victim.path, 'link.csv'),
      join(victim.path, 'shell.pdf'),
      join(docs, '..', relative(join(docs, '..'), victim.path), 'notes.txt'),
      `${docs}/../../${relative('/', victim.path)}/new.csv`,
      join(victim.path, 'new.csv'),
      '../../../../etc/passwd',
      '/etc/passwd',
      '/bin/sh',
      '/dev/sda',
      '/dev/null',
      '\\\\host\\share\\report.csv',
      '\\\\?\\C:\\Windows\\System32\\cmd.exe',
      'C:\\Windows\\System32\\calc.exe',
      'file:///etc/passwd',
      `${join(victim.path, 'notes.txt')}\u0000.csv`,
    ];
  });
  afterAll(() => {
    stopApp();
    victim.cleanup();
  });

  const chooseSave = async (file: string) => {
    app.fake.state.saveDialogAnswer = { canceled: false, filePath: file };
    const answer = await app.invoke('host.chooseSavePath', { suggestedName: 'Report.csv', format: 'csv' });
    expect(answer).toMatchObject({ ok: true, value: { path: file, saveToken: expect.any(String) } });
    return (answer as { value: { saveToken: string } }).value.saveToken;
  };
  const exportInput = (target: Record<string, unknown>, options: Record<string, unknown> = {}) => ({
    definition: { kind: 'completions' },
    format: 'csv',
    ...target,
    options,
  });

  const exportTo = async (file: string) => {
    const token = await chooseSave(file);
    expect(await app.invoke('reports.export', exportInput({ saveToken: token }))).toMatchObject({ ok: true });
  };
  const FORBIDDEN = { ok: false, error: { code: 'forbidden_path' } };

  it('exports only where the Save dialog pointed, once per answer', async () => {
    const chosen = join(docs, 'Completions.csv');
    const token = await chooseSave(chosen);
    expect(existsSync(chosen)).toBe(false);
    const written = await app.invoke('reports.export', exportInput({ saveToken: token }));
    expect(written).toMatchObject({ ok: true, value: { path: chosen } });
    expect(readFileSync(chosen, 'utf8')).toContain('Learner ID');

    // The same answer cannot be spent twice (a renderer replaying it to overwrite the file later).
    writeFileSync(chosen, 'edited by the user');
    expect(await app.invoke('reports.export', exportInput({ saveToken: token }))).toMatchObject(FORBIDDEN);
    expect(readFileSync(chosen, 'utf8')).toBe('edited by the user');

    // A made-up token, or one with a path or force beside it, writes nothing.
    const another = await chooseSave(join(docs, 'Second.csv'));
    for (const input of [
      exportInput({ saveToken: '00000000-0000-4000-8000-000000000000' }),
      exportInput({ saveToken: another, path: join(victim.path, 'new.csv') }),
      exportInput({ saveToken: another }, { force: true }),
      exportInput({ saveToken: another }, { force: false }),
    ]) {
      const answer = await app.invoke('reports.export', input);
      const code = expect.stringMatching(/^(forbidden_path|invalid_input)$/);
      expect(answer, JSON.stringify(input)).toMatchObject({ ok: false, error: { code } });
    }
    expect(existsSync(join(docs, 'Second.csv'))).toBe(false);
  });

  it('every channel, fed hostile paths, writes and opens nothing outside what main allowed', async () => {
    const legit = join(docs, 'Legit.csv');
    await exportTo(legit);
    app.fake.state.shellCalls.length = 0;
    app.fake.state.saveDialogAnswer = { canceled: true };
    const inTestFolders = (path: string) => [victim.path, dataDir, docs].some((dir) => path.startsWith(dir));
    const dbBefore = statSync(join(dataDir, DB_FILE_NAME)).ino;

    for (const channel of CHANNELS) {
      for (const path of hostilePaths) {
        const inputs: unknown[] = [{ path }, { path, reveal: true }, path, { suggestedName: path, format: 'csv' }];
        // Writes only at paths inside this test's folders: the tests run as root here, and were main's check ever
        // broken, a forced export to /etc/passwd or /dev/sda would really happen.
        if (inTestFolders(path)) {
          inputs.push(exportInput({ path }, { force: true }), exportInput({ path }));
          inputs.push({ name: 'Monthly', format: 'csv', path, options: { force: true } });
        }
        for (const input of inputs) {
          const answer = await app.invoke(channel, input);
          if (channel === 'host.chooseSavePath' && answer.ok) continue; // the dialog was cancelled: null, no token
          expect(answer.ok, `${channel} ${JSON.stringify(input)}`).toBe(false);
        }
      }
    }

    // Nothing opened, the victim's files as they were, no stray file beside the export, the cache still the cache.
    expect(app.fake.state.shellCalls).toEqual([]);
    expect(snapshot(victim.path)).toEqual(victimBefore);
    expect(readdirSync(docs).sort()).toEqual(['Completions.csv', 'Legit.csv']);
    expect(statSync(join(dataDir, DB_FILE_NAME)).ino).toBe(dbBefore);
    expect(await app.invoke('app.info')).toMatchObject({ ok: true });

    // The file main wrote does open and show.
    expect(await app.invoke('host.openPath', { path: legit })).toEqual({ ok: true, value: { ok: true } });
    expect(await app.invoke('host.openPath', { path: legit, reveal: true })).toEqual({ ok: true, value: { ok: true } });
    expect(app.fake.state.shellCalls).toEqual([
      { method: 'openPath', target: legit },
      { method: 'showItemInFolder', target: legit },
    ]);
  });

  it('a file the app wrote no longer opens once it is swapped for a symlink, a folder or nothing', async () => {
    const file = join(docs, 'Swapped.csv');
    await exportTo(file);
    app.fake.state.shellCalls.length = 0;

    // Mode bits do not count: on exFAT and NTFS mounts (USB drives) every file shows as executable. The OS opens a
    // .csv with the program for CSV files whatever its mode.
    chmodSync(file, 0o755);
    expect(await app.invoke('host.openPath', { path: file })).toEqual({ ok: true, value: { ok: true } });
    expect(app.fake.state.shellCalls).toEqual([{ method: 'openPath', target: file }]);
    app.fake.state.shellCalls.length = 0;
    rmSync(file);
    symlinkSync('/bin/sh', file);
    expect(await app.invoke('host.openPath', { path: file })).toMatchObject(FORBIDDEN);
    rmSync(file);
    mkdirSync(file);
    expect(await app.invoke('host.openPath', { path: file, reveal: true })).toMatchObject(FORBIDDEN);
    rmSync(file, { recursive: true });
    expect(await app.invoke('host.openPath', { path: file })).toMatchObject(FORBIDDEN);
    expect(app.fake.state.shellCalls).toEqual([]);
  });

  it('only export names open: a program, a script or no extension is refused where the dialog pointed', async () => {
    for (const name of ['Report.exe', 'Report.sh', 'Report.desktop', 'Report.csv.js', 'Report']) {
      const program = join(docs, name);
      await exportTo(program);
      app.fake.state.shellCalls.length = 0;
      const answer = await app.invoke('host.openPath', { path: program });
      expect(answer).toMatchObject(FORBIDDEN);
      expect(answer).toMatchObject({ error: { message: expect.stringMatching(/never programs or scripts/) } });
      expect(app.fake.state.shellCalls).toEqual([]);
      rmSync(program);
    }
  });

  it('schedules a report only into the folder the folder dialog pointed to, once per answer', async () => {
    const chosen = tempDir('rollbook-share-');
    try {
      const schedule = (target: Record<string, unknown>) =>
        app.invoke('schedules.add', {
          reportName: 'Monthly',
          frequency: 'daily',
          time: '07:00',
          format: 'csv',
          filePattern: 'notes.txt',
          ...target,
        });
      expect(await schedule({ folder: victim.path })).toMatchObject(FORBIDDEN);
      expect(await schedule({ folderToken: 'made-up' })).toMatchObject(FORBIDDEN);
      app.fake.state.openDialogAnswer = { canceled: false, filePaths: [chosen.path] };
      const answer = await app.invoke('host.chooseFolder');
      expect(answer).toMatchObject({ ok: true, value: { path: chosen.path, folderToken: expect.any(String) } });
      const { folderToken } = (answer as { value: { folderToken: string } }).value;
      expect(await schedule({ folderToken, folder: victim.path })).toMatchObject(FORBIDDEN);
      expect(await schedule({ folderToken })).toMatchObject({ ok: true, value: { folder: chosen.path } });
      expect(await schedule({ folderToken })).toMatchObject(FORBIDDEN);
      expect(await app.invoke('schedules.list')).toMatchObject({ ok: true, value: [{ folder: chosen.path }] });
      expect(snapshot(victim.path)).toEqual(victimBefore);
    } finally {
      chosen.cleanup();
    }
  });

  it('reads a requirements file only as the Open dialog pointed to, once; writes one only where Save pointed', async () => {
    const shared = tempDir('rollbook-requirements-');
    try {
      // The export: only with the Save dialog's token, into the file it named.
      const file = join(shared.path, 'requirements.json');
      expect(await app.invoke('requirements.exportFile', { path: join(victim.path, 'notes.txt') })).toMatchObject(
        FORBIDDEN,
      );
      app.fake.state.saveDialogAnswer = { canceled: false, filePath: file };
      const saved = await app.invoke('host.chooseRequirementsFile', { mode: 'save' });
      expect(saved).toMatchObject({ ok: true, value: { path: file, token: expect.any(String) } });
      const saveToken = (saved as { value: { token: string } }).value.token;
      expect(await app.invoke('requirements.exportFile', { saveToken })).toMatchObject({
        ok: true,
        value: { path: file },
      });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'rollbook-requirements' });
      expect(await app.invoke('requirements.exportFile', { saveToken })).toMatchObject(FORBIDDEN);

      // The import: never a path from the window (its error text could leak another file's content), nor a save
      // token, nor an open token twice.
      for (const path of [join(victim.path, 'notes.txt'), file, '/etc/passwd']) {
        expect(await app.invoke('requirements.importFile', { path })).toMatchObject(FORBIDDEN);
      }
      app.fake.state.saveDialogAnswer = { canceled: false, filePath: file };
      const saveAgain = (await app.invoke('host.chooseRequirementsFile', { mode: 'save' })) as {
        value: { token: string };
      };
      expect(await app.invoke('requirements.importFile', { openToken: saveAgain.value.token })).toMatchObject(
        FORBIDDEN,
      );
      app.fake.state.openDialogAnswer = { canceled: false, filePaths: [file] };
      const opened = await app.invoke('host.chooseRequirementsFile', { mode: 'open' });
      expect(opened).toMatchObject({ ok: true, value: { path: file, token: expect.any(String) } });
      const openToken = (opened as { value: { token: string } }).value.token;
      expect(await app.invoke('requirements.importFile', { openToken, path: file })).toMatchObject(FORBIDDEN);
      expect(await app.invoke('requirements.importFile', { openToken })).toMatchObject({ ok: true });
      expect(await app.invoke('requirements.importFile', { openToken })).toMatchObject(FORBIDDEN);
      expect(snapshot(victim.path)).toEqual(victimBefore);
    } finally {
      shared.cleanup();
    }
  });
});
