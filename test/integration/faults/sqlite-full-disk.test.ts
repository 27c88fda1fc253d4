import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { msUntil, outcomeOnceSettled, pendingOrders, sqliteFulfillmentCounts } from '../../support/exactly-once.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';
import { paidEvent, WebhookSender } from '../../support/webhook-sender.js';

const SECRET = 'whsec_fullDisk';
const SUITE = 'settled on SQLite when the disk is full';

/** A small tmpfs of its own, so the disk can really fill up; undefined (and a message) where mounting is not allowed. */
function mountSmallDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'settled-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    console.warn(`Skipping "${SUITE}": cannot mount a small tmpfs here (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); run as root to include it.`);
    return undefined;
  }
}

const probe = mountSmallDisk();
if (probe) {
  execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
}

/** Writes zeros until the disk refuses; the file's path, to free the space again by deleting it. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

describe.skipIf(probe === undefined)(SUITE, () => {
  let disk: string | undefined;
  let store: Store | undefined;
  let settled: Settled | undefined;

  afterEach(async () => {
    await settled?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    if (disk) {
      execFileSync('umount', ['-l', disk]);
      rmSync(disk, { recursive: true, force: true });
    }
    settled = undefined;
    store = undefined;
    disk = undefined;
  });

  it('answers 503, is not ready while it cannot write, and recovers by itself once space is freed', { timeout: 90_000 }, async () => {
    disk = mountSmallDisk()!;
    const path = join(disk, 'settled.sqlite');
    store = await openStore({ kind: 'sqlite', path });
    await store.migrate();
    const orders = await pendingOrders(store, 30, 'disk');
    settled = await createSettled(intakeOnlyOptions(store, SECRET, { worker: { enabled: true, pollIntervalMs: 50, backoff: { baseMs: 50, maxMs: 500 } } }));
    settled.start();
    const url = await listenOnLoopback(settled);
    const sender = new WebhookSender(url, SECRET, { retryDelayMs: 100 });
    await sender.deliverAll(orders.slice(0, 10).map((order) => paidEvent(order)), 4);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const filler = fillDisk(disk);
    // Stripe keeps delivering; with the disk full none of it can be committed, so none of it may be acknowledged.
    const delivering = sender.deliverAll(orders.slice(10).map((order) => paidEvent(order)), 4, 60_000);
    await msUntil(async () => sender.answers.some((answer) => answer.status === 503), 20_000, 'a 503 answer');
    await msUntil(async () => (await fetch(`${url}/readyz`)).status === 503, 10_000, '/readyz saying unavailable');
    const unready = await fetch(`${url}/readyz`);
    expect(await unready.json()).toMatchObject({ status: 'unavailable', checks: { writes: 'failing' } });

    rmSync(filler);
    const recoveryMs = await msUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, 'ready again');
    expect(recoveryMs).toBeLessThan(5_000);
    await delivering;

    expect(Object.keys(sender.statusCounts()).map(Number).filter((status) => status !== 200 && status !== 503)).toEqual([]);
    const countFulfillments = sqliteFulfillmentCounts(path);
    const result = await outcomeOnceSettled(store, orders, sender.acknowledged, countFulfillments, 30_000);
    expect(result).toEqual({ lostEvents: [], notFulfilledOnce: [], unpaid: [] });
  });
});
