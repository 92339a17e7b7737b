import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The CLI ships in the same build: it is the core's second host and needs no Electron. Both run syncs and large
        // CSV and XLSX exports in worker threads whose entries sit beside them (core/worker-entry.ts finds them).
        input: {
          index: resolve('electron/main/index.ts'),
          cli: resolve('electron/core/cli/main.ts'),
          'sync-worker': resolve('electron/core/sync/sync-worker.ts'),
          'csv-worker': resolve('electron/core/reports/csv-worker.ts'),
          'xlsx-worker': resolve('electron/core/reports/xlsx-worker.ts'),
        },
        output: { banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        // Sandboxed preloads cannot load ESM or require other files: one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    // The renderer imports the contract's types by name (tsconfig.base.json's paths say the same to TypeScript).
    resolve: { alias: { $contract: resolve('electron/core/contract') } },
    plugins: [svelte()],
    build: {
      outDir: resolve('out/renderer'),
      // The window loads this bundle on every start: minified, it parses in a fraction of the time.
      minify: true,
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
