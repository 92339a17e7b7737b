import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const RENDERER_STATE_TESTS = 'test/renderer/**/*.svelte.test.ts';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', RENDERER_STATE_TESTS, 'node_modules/**'],
          environment: 'node',
          // Hang guards only, generous for a busy two-core machine (slower tests set their own).
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // expect.poll waits 1 s by default: a wait for the window or a child process, not a time limit.
          expect: { poll: { timeout: 15_000 } },
          pool: 'forks',
        },
      },
      {
        // The renderer's state classes (*.svelte.ts) with their runes working: compiled for the browser, as the window
        // runs them, and importing Svelte's browser runtime (its Node entry is the server renderer, without effects).
        plugins: [svelte({ dynamicCompileOptions: () => ({ generate: 'client' }) })],
        ssr: { resolve: { conditions: ['browser'] } },
        test: {
          name: 'renderer',
          include: [RENDERER_STATE_TESTS],
          environment: 'node',
          testTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          expect: { poll: { timeout: 15_000 } },
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
