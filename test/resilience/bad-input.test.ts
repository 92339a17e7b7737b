/**
 * Bad input at the contract's edge: every channel, fed random shapes (fast-check), either rejects with
 * `invalid_input` and a readable message, or — when the random value happens to be valid — answers normally.
 * Nothing is ever written by a rejected call.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, contract } from '../../electron/core/contract/channels';
import { dbSnapshot } from '../support/db-snapshot';
import { testCore } from '../support/core';
import { makeDataset, scriptedConnector } from '../support/scripted-connector';

describe('bad input at the IPC edge', () => {
  const t = testCore({ inlineSync: true, createConnector: () => scriptedConnector({ data: makeDataset(2, 3) }) });
  beforeAll(async () => {
    await t.core.call('accounts.add', { label: 'Acme', settings: { platform: 'sample', seed: 1 } });
    await t.core.call('sync.run', {});
  });
  afterAll(() => t.cleanup());

  it.each(CHANNELS)('%s rejects wrong shapes without writing anything', async (channel) => {
    const schema = contract[channel].input;
    const hostile = fc.oneof(
      fc.jsonValue(),
      fc.anything({
        withNullPrototype: true,
        withBigInt: false,
        withBoxedValues: false,
        withMap: false,
        withSet: false,
      }),
      fc.constantFrom<unknown>(
        '',
        '../../etc/passwd',
        '=CMD()',
        '\u0000',
        'x'.repeat(100_000),
        [],
        {},
        { __proto__: { admin: true } },
        -1,
        1e308,
        NaN,
      ),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (input) => {
        if (schema.safeParse(input).success) return; // a valid call: not this test's business
        const before = dbSnapshot(t.dataDir);
        const result = await t.core.handle(channel, input);
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe('invalid_input');
          expect(result.error.message.length).toBeGreaterThan(10);
          expect(result.error.message.length).toBeLessThan(5_000);
        }
        expect(dbSnapshot(t.dataDir)).toBe(before);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects unknown channels and prototype tricks', async () => {
    for (const channel of ['__proto__', 'constructor', 'toString', 'accounts', '', 42, null]) {
      const result = await t.core.handle(channel, undefined);
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    }
  });
});
