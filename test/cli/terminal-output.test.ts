/**
 * Untrusted text (account labels, names a server sends) reaches the terminal without its escape sequences: a label
 * with OSC 0 (retitle) and CSI 2J (clear screen) once did both. Bidi overrides are shown as visible markers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, sanitizeForTerminal, terminalJson } from '../../electron/core/cli/output';
import { startTeamupSimulator, type TeamupSimulator } from '../simulators/teamup';
import { cli } from '../support/cli';
import { realKeychainAvailable } from '../support/keychain';
import { tempDir } from '../support/tmp';

const HOSTILE = 'Ev\u001b]0;pwned\u0007il\u001b[2J\u001b[H \u009b31mred\u009b0m \u202eexe.fdp\u202c';
/** Anything a terminal acts on: C0 controls but newline and tab, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('sanitizeForTerminal', () => {
  it('removes whole escape sequences and control characters, keeps text, newlines and tabs', () => {
    expect(sanitizeForTerminal(HOSTILE)).toBe('Evil red ⟪RLO⟫exe.fdp⟪PDF⟫');
    expect(sanitizeForTerminal('a\tb\nc\r\u0008d\u007f')).toBe('a\tb\ncd');
    // DCS and APC strings, ST-terminated; an OSC without its terminator stops at the end of the line.
    expect(sanitizeForTerminal('x\u001bPq#0\u001b\\y\u001b_hidden\u009cz')).toBe('xyz');
    expect(sanitizeForTerminal('a\u001b]8;;http://evil.example\nnext')).toBe('a\nnext');
    expect(sanitizeForTerminal('Zoë Ångström — Ζεν 日本 \u2066x\u2069')).toBe('Zoë Ångström — Ζεν 日本 ⟪LRI⟫x⟪PDI⟫');
  });

  it('oneLine shows every line break inside a value and turns tabs into spaces', () => {
    expect(oneLine('a\nb\r\nc\rd\u000be\u000cf\u0085g\u2028h\u2029i\tj')).toBe(
      'a⟪LF⟫b⟪LF⟫c⟪LF⟫d⟪LF⟫e⟪LF⟫f⟪LF⟫g⟪LF⟫h⟪LF⟫i j',
    );
  });

  it('terminal JSON keeps the exact text for programs and leaves nothing raw for the terminal', () => {
    const json = terminalJson({ label: HOSTILE });
    expect(json).not.toMatch(CONTROLS);
    expect(json).not.toMatch(BIDI);
    expect(JSON.parse(json)).toEqual({ label: HOSTILE });
  });
});

describe('CLI output of untrusted text', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);

  it('a hostile account label is printed without escapes by add, list, sync, status and errors', async () => {
    const outputs = [
      await run('accounts', 'add', 'sample', '--label', HOSTILE),
      await run('accounts', 'list'),
      await run('sync'),
      await run('sync', '--status'),
      await run('accounts', 'edit', `${HOSTILE}x`),
    ];
    expect(outputs.slice(0, 4).map((o) => o.code)).toEqual([0, 0, 0, 0]);
    expect(outputs[4]!.code).toBe(2);
    for (const { stdout, stderr } of outputs) {
      expect(stdout + stderr).not.toMatch(CONTROLS);
      expect(stdout + stderr).not.toMatch(BIDI);
    }
    expect(outputs[0]!.stdout).toContain('account "Evil red ⟪RLO⟫exe.fdp⟪PDF⟫"');
    expect(outputs[1]!.stdout).toMatch(/^Evil red ⟪RLO⟫exe\.fdp⟪PDF⟫\tSample data\t/);
    expect(outputs[4]!.stderr).toContain('No account "Evil red ⟪RLO⟫exe.fdp⟪PDF⟫x"');

    const json = await run('accounts', 'list', '--json');
    expect(json.stdout).not.toMatch(CONTROLS);
    expect(json.stdout).not.toMatch(BIDI);
    expect((JSON.parse(json.stdout) as { label: string }[])[0]!.label).toBe(HOSTILE);
  });

  it('a label with line breaks and tabs cannot fake a line or a column of output', async () => {
    const fakeDir = tempDir();
    try {
      const label = 'Twin\nFake: synced (courses 1)\r\nTab\tbed\u2028end';
      const runIn = (...args: string[]) => cli([...args, '--data-dir', fakeDir.path]);
      const outputs = [
        await runIn('accounts', 'add', 'sample', '--label', label),
        await runIn('accounts', 'list'),
        await runIn('sync'),
        await runIn('sync', '--status'),
        await runIn('accounts', 'remove', 'Twin', '--yes'),
      ];
      expect(outputs.map((o) => o.code)).toEqual([0, 0, 0, 0, 1]);
      const shown = 'Twin⟪LF⟫Fake: synced (courses 1)⟪LF⟫Tab bed⟪LF⟫end';
      expect(outputs[0]!.stdout).toContain(`account "${shown}"`);
      expect(outputs[1]!.stdout.split('\n')[0]!.split('\t')[0]).toBe(shown);
      expect(outputs[2]!.stderr).toContain(`${shown}: synced`);
      expect(outputs[3]!.stdout.split('\t')[0]).toBe(shown);
      for (const { stdout, stderr } of outputs) {
        for (const line of `${stdout}\n${stderr}`.split('\n')) expect(line).not.toMatch(/^(Fake|Tab|end)/);
      }
    } finally {
      fakeDir.cleanup();
    }
  });

  describe('names a server sends', () => {
    let sim: TeamupSimulator;
    let keychain = false;
    const serverDir = tempDir();
    beforeAll(async () => {
      keychain = await realKeychainAvailable();
      sim = await startTeamupSimulator({
        providers: [
          { id: 7, name: HOSTILE },
          { id: 8, name: `Second ${HOSTILE}` },
        ],
      });
    });
    afterAll(async () => {
      await cli(['accounts', 'remove', 'T', '--yes', '--data-dir', serverDir.path]);
      await sim.close();
      serverDir.cleanup();
    });

    it('"Connected:" and provider lines carry no escapes', async ({ skip }) => {
      if (!keychain) skip('no OS keychain in this session');
      const add = await cli(
        [
          'accounts',
          'add',
          'teamup',
          '--label',
          'T',
          '--base-url',
          `${sim.url}/api/v2`,
          '--provider-id',
          '7',
          '--data-dir',
          serverDir.path,
        ],
        { ROLLBOOK_SECRET: sim.options.token },
      );
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain('Connected: Evil red ⟪RLO⟫exe.fdp⟪PDF⟫');
      expect(add.stdout).toContain('provider 8: Second Evil red ⟪RLO⟫exe.fdp⟪PDF⟫');
      expect(add.stdout + add.stderr).not.toMatch(CONTROLS);
      expect(add.stdout + add.stderr).not.toMatch(BIDI);
    });
  });
});
