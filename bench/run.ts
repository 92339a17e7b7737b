/**
 * `npm run bench` — Rollbook's benchmark suite. Each figure is measured in the same run beside a hand-written
 * baseline where one makes sense, as the median of several repetitions, and written to bench/results.json.
 * `npm run bench -- --quick` runs the same suite at 10k rows (same output shape) in under two minutes.
 * `--only a,b` runs some sections (sync, network, memory, queries, exports, renderer, startup, compliance, changes).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo } from './stats';
import { SECTIONS, type BenchContext, type Figure } from './sections';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : null;

const ctx: BenchContext = {
  quick,
  // Full size per the brief; --quick scales everything to 10k progress rows.
  rows: quick ? 10_000 : 100_000,
  bigRows: quick ? 10_000 : 1_000_000,
  repetitions: quick ? 3 : 5,
  log: (message) => process.stderr.write(`  ${message}\n`),
};

const results: Record<string, Record<string, Figure>> = {};
const started = performance.now();
process.stderr.write(
  `Rollbook benchmarks (${quick ? 'quick: 10k rows' : 'full'}) on ${JSON.stringify(machineInfo())}\n`,
);
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only && !only.has(name)) continue;
  process.stderr.write(`\n[${name}]\n`);
  try {
    results[name] = await run(ctx);
  } catch (error) {
    process.stderr.write(`  FAILED: ${(error as Error).stack ?? error}\n`);
    results[name] = { error: { error: (error as Error).message } };
  }
}

const file = join(import.meta.dirname, quick ? 'results-quick.json' : 'results.json');
// `--only` re-measures some sections: the others keep their last figures (each section says when it was measured).
const stamp = new Date().toISOString();
for (const figures of Object.values(results)) for (const figure of Object.values(figures)) figure.measured_at ??= stamp;
const previous =
  only && existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { results?: typeof results }).results ?? {})
    : {};
const output = {
  machine: machineInfo(),
  quick,
  elapsedSeconds: Math.round((performance.now() - started) / 1000),
  results: { ...previous, ...results },
};
writeFileSync(file, JSON.stringify(output, null, 2) + '\n');

// The table: one line per figure, value beside baseline/target and whether it met it.
const rows: string[][] = [['section', 'figure', 'value', 'baseline / target', 'ratio', 'met']];
for (const [section, figures] of Object.entries(results)) {
  for (const [name, f] of Object.entries(figures)) {
    // The figure's own value is its first key that is not a baseline, ratio, target or verdict.
    const value = Object.entries(f).find(
      ([k]) => !['baseline', 'ratio', 'target', 'met', 'unit'].some((x) => k.startsWith(x)),
    );
    const baseline = Object.entries(f).find(([k]) => k.startsWith('baseline'));
    rows.push([
      section,
      name,
      value ? `${value[1]} ${value[0]}` : '',
      `${baseline ? baseline[1] : ''}${f.target !== undefined ? ` target ${f.target}` : ''}`,
      f.ratio !== undefined ? String(f.ratio) : '',
      f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    ]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
process.stdout.write(
  '\n' + rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')).join('\n') + '\n',
);
process.stdout.write(`\nwrote ${file}\n`);
