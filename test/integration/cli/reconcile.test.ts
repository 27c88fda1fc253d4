import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { openStore } from '../../../src/store/index.js';
import { runCli } from '../../support/cli.js';
import { startShop } from '../../support/shop.js';

let emulator: RunningEmulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('`settled reconcile` heals a purchase whose webhook never arrived, prints the summary, and a rerun finds nothing missing', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'settled-cli-')), 'data');
  dirs.push(dataDir);
  emulator = await startEmulator({});
  const store = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  const shop = await startShop({ store, emulator });
  emulator.pauseWebhooks();
  const { orderId, checkoutUrl } = await shop.checkout();
  await shop.pay(checkoutUrl, '4242424242424242');
  await shop.close();
  await store.close();

  const env = { DATA_DIR: dataDir, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: emulator.url, LOG_LEVEL: 'warn' };
  const first = runCli(['reconcile'], env);
  expect(await first.exited()).toBe(0);
  expect(first.output()).toMatch(/summary: events seen 2, missing 2, applied \d, orders healed 1/);
  expect(first.output()).toContain(`healed: ${orderId}`);
  expect(first.output()).toContain('drift: none');
  expect(first.output()).not.toContain('sk_test_x');

  const second = runCli(['reconcile', '--json'], env);
  expect(await second.exited()).toBe(0);
  const report = JSON.parse(second.output()) as { eventsSeen: number; missing: number; ordersHealed: string[] };
  expect(report).toMatchObject({ eventsSeen: 2, missing: 0, ordersHealed: [] });

  const after = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  try {
    expect((await after.orders.get(orderId))?.status).toBe('paid');
  } finally {
    await after.close();
  }
});

it('`settled reconcile` without a Stripe key says what to set and exits 1', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'settled-cli-'));
  dirs.push(dataDir);
  const run = runCli(['reconcile'], { DATA_DIR: dataDir });
  expect(await run.exited()).toBe(1);
  expect(run.output()).toContain('settled reconcile needs STRIPE_SECRET_KEY');
});
