import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { runCli, type CliRun } from '../../support/cli.js';
import { msUntil, outcomeOnceSettled, pendingOrders, sqliteFulfillmentCounts } from '../../support/exactly-once.js';
import { paidEvent, WebhookSender } from '../../support/webhook-sender.js';

const SECRET = 'whsec_frozenProcess';
const FROZEN_MS = 2_000;

let run: CliRun | undefined;
let store: Store | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGCONT');
    run.child.kill('SIGKILL');
    await run.exited();
  }
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  run = undefined;
  store = undefined;
  dir = undefined;
});

it('a `settled serve` frozen by SIGSTOP answers what waited for it at once after SIGCONT, and loses nothing', { timeout: 90_000 }, async () => {
  dir = mkdtempSync(join(tmpdir(), 'settled-frozen-'));
  const path = join(dir, 'settled.sqlite');
  // The test's own store on the same file, as a second process: it makes the orders and reads the outcome.
  store = await openStore({ kind: 'sqlite', path });
  await store.migrate();
  const orders = await pendingOrders(store, 12, 'frozen');
  run = runCli(['serve'], {
    PORT: '0',
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    STRIPE_SECRET_KEY: 'sk_test_frozen',
    // Never called: these events name their order in metadata.
    STRIPE_API_BASE: 'http://127.0.0.1:9',
    STRIPE_WEBHOOK_SECRET: SECRET,
    RECONCILE_INTERVAL_SECONDS: '0',
  });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/, 30_000);
  const sender = new WebhookSender(url!, SECRET, { retryDelayMs: 100 });
  await sender.deliverAll(orders.slice(0, 4).map((order) => paidEvent(order)), 2);

  run.child.kill('SIGSTOP');
  const waiting = sender.deliverAll(orders.slice(4).map((order) => paidEvent(order)), 8, 60_000);
  await new Promise((resolve) => setTimeout(resolve, FROZEN_MS));
  run.child.kill('SIGCONT');
  const resumed = Date.now();
  await waiting;
  const answeredAfterMs = Date.now() - resumed;
  expect(answeredAfterMs).toBeLessThan(2_000);
  // The requests made while it was frozen waited in the kernel's queue and were answered 200, not refused.
  expect(sender.statusCounts()).toEqual({ 200: orders.length });
  await msUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 5_000, 'ready after SIGCONT');

  const countFulfillments = sqliteFulfillmentCounts(path);
  const result = await outcomeOnceSettled(store, orders, sender.acknowledged, countFulfillments, 30_000);
  expect(result).toEqual({ lostEvents: [], notFulfilledOnce: [], unpaid: [] });
});
