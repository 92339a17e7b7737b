/**
 * E2E harness: the BUILT renderer (out/renderer) in real Chromium, talking through the test bridge to a real core
 * with a real SQLite cache in a temp folder. As in the app, the core syncs in the bundled sync worker and writes large
 * CSVs in the bundled CSV workers (out/main): faults are injected in the simulators, not by substituting connectors.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createCore, type Core, type CoreOptions } from '../../electron/core/core';
import { noKeychain } from '../../electron/core/secrets/keychain';
import { createSecretStore } from '../../electron/core/secrets/secret-store';
import { installBridge, type BridgeOptions } from '../bridge/install-bridge';
import { builtWorkers } from '../support/built';
import { launchChromium } from '../support/chromium';
import { serveRenderer } from '../support/static-server';
import { tempDir } from '../support/tmp';

export interface AppHarness {
  page: Page;
  core: Core;
  dataDir: string;
  consoleErrors: string[];
  close(): Promise<void>;
}

let browser: Browser | undefined;
let server: Awaited<ReturnType<typeof serveRenderer>> | undefined;

/** Core options a test may change; the rest (how it syncs and exports) is the app's. */
type HarnessCoreOptions = Omit<Partial<CoreOptions>, 'createConnector' | 'inlineSync' | 'syncWorker' | 'csvWorkers'>;

export async function openApp(
  options: {
    core?: HarnessCoreOptions;
    bridge?: BridgeOptions;
    colorScheme?: 'light' | 'dark';
    dataDir?: string;
    /** An install that lost its worker bundles: syncs and exports on the main thread (About warns about it). */
    withoutWorkers?: true;
  } = {},
): Promise<AppHarness> {
  browser ??= await launchChromium();
  server ??= await serveRenderer();
  const dir = options.dataDir ? undefined : tempDir('rollbook-e2e-');
  const dataDir = options.dataDir ?? dir!.path;
  const workers = options.withoutWorkers ? { inlineSync: true as const } : builtWorkers();
  const core = createCore({ dataDir, secrets: createSecretStore(noKeychain()), ...options.core, ...workers });
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  const unbridge = await installBridge(page, core, options.bridge);
  await page.goto(server.url);
  return {
    page,
    core,
    dataDir,
    consoleErrors,
    async close() {
      unbridge();
      await context.close();
      core.close();
      dir?.cleanup();
    },
  };
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  await server?.close();
  browser = undefined;
  server = undefined;
}
