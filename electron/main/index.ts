/**
 * Electron main: hosts the core and bridges it to the window. Everything the user can do goes through the
 * contract (see ./ipc.ts); this file only wires the app's life cycle and hardening.
 */
import { app, type BrowserWindow, ipcMain, net, powerMonitor, session } from 'electron';
import { join } from 'node:path';
import { createCore, type Core } from '../core/core';
import { findSyncWorker } from '../core/sync/worker-sync';
import { findCsvWorkers } from '../core/reports/csv-in-workers';
import { osKeychain } from '../core/secrets/keychain';
import { createSecretStore } from '../core/secrets/secret-store';
import { startAutoSync, type AutoSync } from '../core/sync/auto-sync';
import { startScheduler, type Scheduler } from '../core/reports/schedules';
import { electronHost } from './host';
import { createSenderCheck, forwardEvents, registerContract } from './ipc';
import { accountOrigins, confirmLink, createLinkOpener, openInBrowser } from './links';
import { electronPdfRenderer } from './pdf-window';
import { registerAppScheme, serveRenderer } from './protocol';
import { APP_ORIGIN, denyAllPermissions, devServerUrl as devServerFrom, hardenWebContents, originOf } from './security';
import { TrustedFiles } from './trusted-files';
import { createMainWindow } from './window';

const devServerUrl = devServerFrom(app.isPackaged, process.env);
const here = import.meta.dirname;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  let core: Core | undefined;
  let mainWindow: BrowserWindow | undefined;
  let autoSync: AutoSync | undefined;
  let scheduler: Scheduler | undefined;
  let networkWatch: ReturnType<typeof setInterval> | undefined;
  /** Files this run wrote; the only ones the window may open. Other writers (logs, diagnostics) add theirs. */
  const trustedFiles = new TrustedFiles();
  const openLink = createLinkOpener({
    trustedOrigins: async () => (core ? accountOrigins(await core.call('accounts.list')) : []),
    confirm: confirmLink,
    open: openInBrowser,
  });

  app.on('second-instance', () => {
    // Destroyed: this process is quitting and only waiting for a sync worker's last SQLite statement to return.
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, {
      devServerUrl,
      openExternal: (url) =>
        void openLink(url).catch((error: unknown) => core?.log.warn({ err: error }, 'could not open a link')),
    }),
  );

  void app.whenReady().then(() => {
    denyAllPermissions(session.defaultSession);
    serveRenderer(join(here, '../renderer'));

    const liveCore = createCore({
      dataDir: app.getPath('userData'),
      secrets: createSecretStore(osKeychain()),
      onInternalError: (error) => console.error('[rollbook] internal error', error),
      pdfRenderer: electronPdfRenderer((error) =>
        core?.log.warn({ err: error }, 'PDF pagination skipped; printing as one table'),
      ),
      host: electronHost(trustedFiles),
      syncWorker: findSyncWorker(),
      csvWorkers: findCsvWorkers(),
    });
    core = liveCore;
    // A rejection nothing awaited (a bug in main's own code) goes to the same log as the core's internal errors.
    process.on('unhandledRejection', (reason) => liveCore.logInternalError(reason));
    registerContract(
      ipcMain,
      liveCore,
      createSenderCheck(devServerUrl ? [APP_ORIGIN, originOf(devServerUrl)!] : [APP_ORIGIN]),
    );

    const window = createMainWindow({ preloadDir: join(here, '../preload'), devServerUrl });
    mainWindow = window;
    forwardEvents(liveCore, window);
    // Auto-sync logs what it skips to the core's log.
    const auto = startAutoSync(liveCore);
    autoSync = auto;
    // Timers stand still while the computer sleeps, and syncs fail while the network is down: catch up when either
    // ends. The main process has no online event, so the network's state is polled.
    // Scheduled reports: runs missed while the app was closed are delivered now, once.
    const reports = startScheduler(liveCore);
    scheduler = reports;
    powerMonitor.on('resume', () => {
      auto.resume();
      reports.resume();
    });
    let online = net.isOnline();
    networkWatch = setInterval(() => {
      if (net.isOnline() === online) return;
      online = !online;
      auto.networkChanged(online);
    }, 10_000);
  });

  app.on('window-all-closed', () => {
    clearInterval(networkWatch);
    autoSync?.stop();
    scheduler?.stop();
    core?.close();
    app.quit();
  });
}
