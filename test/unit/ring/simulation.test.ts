import { describe, expect, it } from 'vitest';
import { runSchedule } from '../../../dev/sim/simulation';

// A fixed budget of the seeded simulation (dev/sim/simulation.ts): many
// containers over one bucket, writers with and without retried op ids
// (slow ones landing late inside the skew window), refreshes, cold starts
// from the checkpoint and by listing, snapshots, compactions (whole hours:
// two at once, crashes mid-delete, racing a refresh; hours in parts through
// a queue of units: workers killed at a store call, two workers on one
// unit), and two issue folders (one in the snapshot, both at once at
// times). After each step that should converge, every container's ring and
// every issue's count equal a recount of the bucket, and the lake a recount
// of every copy written: none lost or invented, and every hour that is done
// holds the copies that count, each once.
// `npm run sim -- --seeds 100000` runs the long version.

const SEEDS = Number(process.env.SIM_SEEDS ?? 120);

describe('the seeded simulation of containers sharing one bucket', () => {
  it(`converges on the recount of the bucket in every one of ${SEEDS} schedules`, async () => {
    let checks = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runSchedule({ seed });

      expect(result.divergence).toBeUndefined();
      checks += result.checks;
    }
    // Each schedule compares every container many times, not once at its end.
    expect(checks).toBeGreaterThan(SEEDS * 20);
  });

  it('finds a divergence when a container counts what the recount does not', async () => {
    // The same schedules, with the rule the recount applies made stricter than the containers':
    // a check that cannot fail would pass this too.
    const result = await runSchedule({ seed: 3, recountWindowMs: 1 });

    expect(result.divergence).toBeDefined();
  });

  it('finds a divergence when the issues count what the recount does not', async () => {
    const result = await runSchedule({ seed: 1, issueRecountWindowMs: 1 });

    expect(result.divergence?.container).toBe('issue folder 0');
  });
});
