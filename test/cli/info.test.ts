import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../electron/core/store/migrations';
import { cli } from '../support/cli';
import { tempDir } from '../support/tmp';

describe('rollbook info', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('prints version, data dir and schema version', async () => {
    const result = await cli(['info', '--data-dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Rollbook \d+\.\d+\.\d+/);
    expect(result.stdout).toContain(`Data folder:     ${dir.path}`);
    expect(result.stdout).toMatch(new RegExp(`Schema version:\\s+${SCHEMA_VERSION}\\n`));
    // Run from source, the workers are the TypeScript entries (test/cli/built-cli.test.ts checks the bundles).
    expect(result.stdout).toContain('Worker threads:  sync, CSV export\n');
  });

  it('honours ROLLBOOK_DATA_DIR and prints JSON on request', async () => {
    const result = await cli(['info', '--json'], { ROLLBOOK_DATA_DIR: dir.path });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dataDir: dir.path, schemaVersion: SCHEMA_VERSION });
  });

  it('exits 2 with usage on a bad flag', async () => {
    const result = await cli(['info', '--no-such-flag', '--data-dir', dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(result.stderr).toMatch(/rollbook --help/);
  });

  it('exits 2 on an unknown command and 0 for --help', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: rollbook/);
  });
});
