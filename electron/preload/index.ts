/**
 * The only door between the window and the core. Exposes `window.rollbook` with `invoke` (contract calls) and `on`
 * (push events, returning an unsubscribe) — never ipcRenderer itself. Bundled as one CJS file so sandbox works.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type RollbookBridge } from '../core/contract/bridge';

const bridge: RollbookBridge = {
  invoke: (channel, input) => ipcRenderer.invoke(IPC_INVOKE, channel, input),
  on: (event, listener) => {
    const forward = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload as never);
    };
    ipcRenderer.on(IPC_EVENT, forward);
    return () => ipcRenderer.removeListener(IPC_EVENT, forward);
  },
};

contextBridge.exposeInMainWorld('rollbook', bridge);
