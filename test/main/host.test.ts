/**
 * The host's native abilities (electron/main/host.ts) under a fake `electron`: the Save dialog (its options, its
 * parent window, a cancel, the one-time token it answers with) and what "Open" and "Show in folder" will touch.
 * The same rules through IPC, against a compromised window: compromised-renderer.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/tmp';

vi.mock('electron', () => import('./fake-electron'));

const { state, resetFake, BrowserWindow, app } = await import('./fake-electron');
const { electronHost } = await import('../../electron/main/host');
const { TrustedFiles } = await import('../../electron/main/trusted-files');

describe('the Electron host', () => {
  const dir = tempDir('rollbook-host-');
  afterAll(() => dir.cleanup());
  beforeEach(() => resetFake());

  it("Save as…: in documents, the format's filter, overwrite confirmation, over the focused window", async () => {
    const host = electronHost(new TrustedFiles());
    const window = new BrowserWindow({});
    state.focused = window;
    state.saveDialogAnswer = { canceled: false, filePath: join(dir.path, 'Completions.pdf') };
    const chosen = await host.chooseSavePath!('Completions 2026-06-01.pdf', 'pdf');
    expect(chosen).toEqual({ path: join(dir.path, 'Completions.pdf'), saveToken: expect.any(String) });
    expect(state.saveDialogCalls[0]).toEqual({
      parent: window,
      options: {
        defaultPath: join(app.getPath('documents'), 'Completions 2026-06-01.pdf'),
        properties: ['showOverwriteConfirmation', 'createDirectory'],
        filters: [{ name: 'PDF document', extensions: ['pdf'] }],
      },
    });

    state.focused = null;
    state.saveDialogAnswer = { canceled: true, filePath: '' };
    expect(await host.chooseSavePath!('Report.csv', 'csv')).toBeNull();
    expect(state.saveDialogCalls[1]).toMatchObject({ parent: null, options: { filters: [{ extensions: ['csv'] }] } });
    expect(await host.chooseSavePath!('Report.xlsx', 'xlsx')).toBeNull();
    expect(state.saveDialogCalls[2]).toMatchObject({
      options: { filters: [{ name: 'Excel workbook', extensions: ['xlsx'] }] },
    });
  });

  it("a dialog's token stands for its path once; tokens it never issued stand for nothing", async () => {
    const host = electronHost(new TrustedFiles());
    const target = join(dir.path, 'a.csv');
    state.saveDialogAnswer = { canceled: false, filePath: target };
    const first = await host.chooseSavePath!('a.csv', 'csv');
    const second = await host.chooseSavePath!('a.csv', 'csv');
    expect(first!.saveToken).not.toBe(second!.saveToken);
    expect(host.claimSavePath!(first!.saveToken)).toBe(target);
    expect(host.claimSavePath!(first!.saveToken)).toBeNull();
    expect(host.claimSavePath!('made-up')).toBeNull();
    expect(host.claimSavePath!(second!.saveToken)).toBe(target);
  });

  it('opens and shows only files registered as written by this run', async () => {
    const trusted = new TrustedFiles();
    const host = electronHost(trusted);
    const mine = join(dir.path, 'mine.csv');
    const theirs = join(dir.path, 'theirs.csv');
    writeFileSync(mine, 'a,b\n');
    writeFileSync(theirs, 'a,b\n');
    await expect(host.openPath!(mine, false)).rejects.toMatchObject({ code: 'forbidden_path' });
    host.fileWritten!(mine);
    await host.openPath!(mine, false);
    await host.openPath!(join(dir.path, 'sub', '..', 'mine.csv'), true);
    await expect(host.openPath!(theirs, true)).rejects.toMatchObject({ code: 'forbidden_path' });
    expect(state.shellCalls).toEqual([
      { method: 'openPath', target: mine },
      { method: 'showItemInFolder', target: mine },
    ]);
  });

  it('opens a sign-in page in the system browser only for web addresses', async () => {
    const host = electronHost(new TrustedFiles());
    await host.openSignInPage!('https://community.example.com/oauth/authorize/?client_id=a');
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url'])
      await expect(host.openSignInPage!(bad)).rejects.toMatchObject({ code: 'forbidden_path' });
    expect(state.shellCalls).toEqual([
      { method: 'openExternal', target: 'https://community.example.com/oauth/authorize/?client_id=a' },
    ]);
  });
});
