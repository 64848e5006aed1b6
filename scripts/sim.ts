// `npm run sim -- --seeds 100000 [--from 1] [--steps N]`: runs the seeded
// simulation of containers sharing one bucket (dev/sim/simulation.ts) over
// many seeds and reports the first divergence from a recount of the bucket,
// with the actions that led to it. Exits 1 on a divergence.
import { runSchedule } from '../dev/sim/simulation';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`sim: --${name} takes a whole number`);
    process.exit(2);
  }
  return value;
}

const seeds = option('seeds', 1000);
const from = option('from', 1);
const steps = option('steps', 0);
const started = Date.now();
let checks = 0;
let ops = 0;
for (let seed = from; seed < from + seeds; seed++) {
  const result = await runSchedule({ seed, ...(steps > 0 ? { steps } : {}) });
  checks += result.checks;
  ops += result.ops;
  if (result.divergence) {
    const d = result.divergence;
    console.error(`divergence: seed ${d.seed}, step ${d.step}, container ${d.container}`);
    console.error(`  recount:   ${d.expected.join(' ')}`);
    console.error(`  container: ${d.actual.join(' ')}`);
    console.error(d.trace.map((t) => `  ${t}`).join('\n'));
    process.exit(1);
  }
  if ((seed - from + 1) % 1000 === 0) {
    console.log(
      `${seed - from + 1} seeds, ${checks} comparisons, no divergence (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
}
console.log(
  `${seeds} seeds (${from}–${from + seeds - 1}), ${ops} ops, ${checks} comparisons with the recount: 0 divergences (${Math.round((Date.now() - started) / 1000)} s)`,
);
