import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnTs, waitForExit } from '../../../bench/support/process.js';
import { TEST_DATABASE_URL, probePostgres } from '../../support/stores.js';

const postgresUnreachable = (await probePostgres()) !== undefined && process.env.SETTLED_REQUIRE_PG !== '1';

/*
 * The chaos soak (`npm run soak`) at a size the suite can afford, on SQLite (one process) and PostgreSQL (three): a
 * few hundred purchases of every kind, every event delivered 1–3 times, shuffled and 10% failed, a settled process
 * killed with SIGKILL once mid-run (and on PostgreSQL one database outage: every connection terminated, repeatedly,
 * for two seconds), then the reconciler.
 * It asserts correctness only (nothing lost, nothing fulfilled twice, every order as Stripe says), never speed.
 */

interface SoakReport {
  purchases: number;
  kills: { afterPurchases: number; downMs: number }[];
  databaseOutages: { afterPurchases: number; terminated: number }[];
  processesExitedUnasked: number;
  emulatorEvents: number;
  deliveryAttempts: number;
  failedBy: { chaos: number; unreachable: number; timedOut: number; serverError: number; refused: number };
  eventsLost: number;
  ordersFulfilledTwice: number;
  ordersNotConverged: number;
  deadLetters: number;
  notConvergedSample: unknown[];
  lostSample: unknown[];
}

const runs = [
  { store: 'sqlite', processes: 1, skip: false },
  // Three processes, each its own endpoint: every event reaches all three, so they race on the same rows.
  { store: 'postgres', processes: 3, skip: postgresUnreachable },
] as const;

describe.each(runs)('the short chaos soak ($store, $processes process(es), one SIGKILL restart)', ({ store, processes, skip }) => {
  let resultsDir: string | undefined;
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('loses no event, fulfills no order twice and leaves every order as the emulator says it is', { timeout: 300_000 }, async () => {
    resultsDir = mkdtempSync(join(tmpdir(), 'settled-short-soak-'));
    child = spawnTs('bench/soak.ts', {
      SOAK_STORE: store,
      SOAK_PROCESSES: String(processes),
      BENCH_DATABASE_URL: TEST_DATABASE_URL,
      SOAK_PURCHASES: '200',
      SOAK_RESTARTS: '1',
      SOAK_DB_OUTAGES: '1',
      SOAK_RESULTS_DIR: resultsDir,
      SOAK_CONVERGE_TIMEOUT_MS: '120000',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await waitForExit(child, 280_000);
    expect(code, output.slice(-4_000)).toBe(0);

    const report = JSON.parse(readFileSync(join(resultsDir, `soak-${store}.json`), 'utf8')) as SoakReport;
    expect(report.purchases).toBe(200);
    expect(report.kills).toHaveLength(1);
    // The outage really met settled's connections (and the processes stayed up through it: nothing else restarted them).
    if (store === 'postgres') expect(report.databaseOutages.map((o) => o.terminated > 0)).toEqual([true]);
    else expect(report.databaseOutages).toEqual([]);
    // The chaos really happened: more attempts than events, some failed on purpose, some while settled was down.
    expect(report.deliveryAttempts).toBeGreaterThan(report.emulatorEvents);
    expect(report.failedBy.chaos).toBeGreaterThan(0);
    expect(report.failedBy.refused).toBe(0);
    // A running settled answers every delivery well within the emulator's 10 s timeout: none hung.
    expect(report.failedBy.timedOut).toBe(0);
    expect({ lost: report.lostSample, notConverged: report.notConvergedSample }).toEqual({ lost: [], notConverged: [] });
    expect(report.processesExitedUnasked).toBe(0);
    expect(report.eventsLost).toBe(0);
    expect(report.ordersFulfilledTwice).toBe(0);
    expect(report.ordersNotConverged).toBe(0);
    expect(report.deadLetters).toBe(0);
  });
});
