/**
 * A stand-in for the `electron` module, for running electron/main under vitest (`vi.mock('electron', () =>
 * import('./fake-electron'))`): no Electron binary can run here. It records what main asks Electron to do
 * (windows and their options, loads, IPC handlers, protocol handlers, dialogs, shell calls) and lets a test answer
 * dialogs and fire app events. `net.fetch` reads file: URLs from disk the way Electron's does, without MIME types
 * (those are main's job). See resetFake for starting main more than once in a file.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';

type Listener = (...args: unknown[]) => unknown;
type LoadTarget = { file?: string; url?: string };

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, fn: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }
  once(name: string, fn: Listener): this {
    return this.on(name, fn);
  }
  emit(name: string, ...args: unknown[]): unknown[] {
    return (this.listeners.get(name) ?? []).map((fn) => fn(...args));
  }
}

export const state = {
  singleInstanceLock: true,
  quitCalls: 0,
  /** What net.isOnline() answers. */
  online: true,
  /** Folder for app.getPath(name). */
  paths: new Map<string, string>(),
  /** What the next Save dialog answers. */
  saveDialogAnswer: { canceled: true, filePath: '' } as { canceled: boolean; filePath?: string },
  saveDialogCalls: [] as { parent: FakeBrowserWindow | null; options: Record<string, unknown> }[],
  /** What the next folder (open) dialog answers. */
  openDialogAnswer: { canceled: true, filePaths: [] } as { canceled: boolean; filePaths: string[] },
  /** The button index the next message box answers (0: the first button). */
  messageBoxAnswer: 1,
  messageBoxCalls: [] as Record<string, unknown>[],
  shellCalls: [] as { method: 'openPath' | 'showItemInFolder' | 'openExternal'; target: string }[],
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, Listener>(),
  windows: [] as FakeBrowserWindow[],
  focused: null as FakeBrowserWindow | null,
  permissionRequestHandler: undefined as Listener | undefined,
  permissionCheckHandler: undefined as Listener | undefined,
  /** Called when a window loads a page (loadFile/loadURL), before the load resolves. */
  onLoad: undefined as ((window: FakeBrowserWindow, target: LoadTarget) => void | Promise<void>) | undefined,
};

let readyResolve: () => void = () => undefined;
let ready = new Promise<void>((resolve) => (readyResolve = resolve));

/**
 * Back to a just-started Electron. vitest keeps a mocked module's instance across vi.resetModules(), so a test that
 * starts main again calls this first (and reads the fake through `import('electron')`, the instance main sees).
 */
export function resetFake(): void {
  const initial = {
    singleInstanceLock: true,
    quitCalls: 0,
    online: true,
    saveDialogAnswer: { canceled: true, filePath: '' },
    saveDialogCalls: [],
    openDialogAnswer: { canceled: true, filePaths: [] },
    messageBoxAnswer: 1,
    messageBoxCalls: [],
    shellCalls: [],
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    ipcHandlers: new Map(),
    windows: [],
    focused: null,
    permissionRequestHandler: undefined,
    permissionCheckHandler: undefined,
    onLoad: undefined,
  };
  Object.assign(state, initial, { paths: new Map() });
  app.listeners.clear();
  powerMonitor.listeners.clear();
  app.isPackaged = false;
  ready = new Promise<void>((resolve) => (readyResolve = resolve));
}

export class FakeApp extends Emitter {
  isPackaged = false;
  requestSingleInstanceLock(): boolean {
    return state.singleInstanceLock;
  }
  quit(): void {
    state.quitCalls += 1;
  }
  whenReady(): Promise<void> {
    return ready;
  }
  /** Test side: Electron finished starting. */
  ready(): void {
    readyResolve();
  }
  getPath(name: string): string {
    let path = state.paths.get(name);
    if (!path) state.paths.set(name, (path = mkdtempSync(join(tmpdir(), `rollbook-fake-${name}-`))));
    return path;
  }
}
export const app = new FakeApp();

class FakeWebContents extends Emitter {
  sent: unknown[][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  scripts: string[] = [];
  printed = 0;
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
  executeJavaScript(script: string): Promise<unknown> {
    this.scripts.push(script);
    return Promise.resolve(undefined);
  }
  printToPDF(): Promise<Buffer> {
    this.printed += 1;
    return Promise.resolve(Buffer.from('%PDF-1.4\n%%EOF\n'));
  }
}

export class FakeBrowserWindow extends Emitter {
  static getFocusedWindow(): FakeBrowserWindow | null {
    return state.focused;
  }
  readonly webContents = new FakeWebContents();
  readonly loads: { file?: string; url?: string }[] = [];
  destroyed = false;
  minimized = false;
  shown = false;
  focusCalls = 0;
  restoreCalls = 0;
  constructor(readonly options: Record<string, unknown>) {
    super();
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string): Promise<void> {
    this.loads.push({ url });
    await state.onLoad?.(this, { url });
  }
  async loadFile(file: string): Promise<void> {
    this.loads.push({ file });
    await state.onLoad?.(this, { file });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.restoreCalls += 1;
    this.minimized = false;
  }
  focus(): void {
    this.focusCalls += 1;
  }
  show(): void {
    this.shown = true;
  }
}
export { FakeBrowserWindow as BrowserWindow };

export const dialog = {
  showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> {
    const [parent, options] = args.length === 2 ? args : [null, args[0]];
    state.saveDialogCalls.push({
      parent: parent as FakeBrowserWindow | null,
      options: options as Record<string, unknown>,
    });
    return Promise.resolve(state.saveDialogAnswer);
  },
  showOpenDialog(): Promise<{ canceled: boolean; filePaths: string[] }> {
    return Promise.resolve(state.openDialogAnswer);
  },
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    state.messageBoxCalls.push((args.length === 2 ? args[1] : args[0]) as Record<string, unknown>);
    return Promise.resolve({ response: state.messageBoxAnswer, checkboxChecked: false });
  },
};

export const shell = {
  openPath(target: string): Promise<string> {
    state.shellCalls.push({ method: 'openPath', target });
    return Promise.resolve('');
  },
  showItemInFolder(target: string): void {
    state.shellCalls.push({ method: 'showItemInFolder', target });
  },
  openExternal(target: string): Promise<void> {
    state.shellCalls.push({ method: 'openExternal', target });
    return Promise.resolve();
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    state.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    state.protocolHandlers.set(scheme, handler);
  },
};

export const net = {
  /** Electron's net.fetch of a file: URL: the bytes, or a network error for a missing file. */
  async fetch(url: string): Promise<Response> {
    if (!url.startsWith('file:')) throw new Error(`fake net.fetch only reads file: URLs, not ${url}`);
    try {
      return new Response(await readFile(fileURLToPath(url)), { status: 200 });
    } catch {
      throw new TypeError('net::ERR_FILE_NOT_FOUND');
    }
  },
  isOnline(): boolean {
    return state.online;
  },
};

/** Sleep and wake: tests fire 'resume' with `powerMonitor.emit('resume')`. */
export const powerMonitor = new Emitter();

export const ipcMain = {
  handle(channel: string, listener: Listener): void {
    state.ipcHandlers.set(channel, listener);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn: Listener): void {
      state.permissionRequestHandler = fn;
    },
    setPermissionCheckHandler(fn: Listener): void {
      state.permissionCheckHandler = fn;
    },
  },
};

export default { app, BrowserWindow: FakeBrowserWindow, dialog, shell, protocol, net, powerMonitor, ipcMain, session };
