import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startEmulator } from '../../../emulator/index.js';
import { createLogger, createSettled, createStripeClient, type Settled } from '../../../src/index.js';
import type { OutboxNotice } from '../../../src/worker/outbox-dispatcher.js';
import { payOnHostedPage } from '../../support/hosted-page.js';
import { freePort } from '../../support/ports.js';

let dir = '';
let settled: Settled | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'settled-dev-emulator-'));
});
afterEach(async () => {
  await settled?.close();
  settled = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const options = (port: number, notices: OutboxNotice[]) => ({
  store: { kind: 'sqlite' as const, path: join(dir, 'settled.sqlite') },
  catalog: { items: [{ sku: 'ebook', name: 'The ebook', unitAmount: 1500, currency: 'usd' }] },
  orderRefSecret: 'dev-emulator-order-ref-secret-0123456789',
  publicUrl: `http://127.0.0.1:${port}`,
  logger: createLogger({ level: 'silent' }),
  worker: { pollIntervalMs: 25 },
  onFulfilled: (notice: OutboxNotice) => void notices.push(notice),
});

it('stripe: { emulator: true } starts the emulator in-process, registers the webhook and sells without a key or a whsec_', async () => {
  const port = await freePort();
  const notices: OutboxNotice[] = [];
  settled = await createSettled({ ...options(port, notices), stripe: { emulator: true } });
  settled.start();
  await settled.app.listen({ port, host: '127.0.0.1' });
  const emulatorUrl = settled.emulator?.url ?? '';
  const endpoints = await createStripeClient({ secretKey: 'sk_test_look', apiBase: emulatorUrl }).webhookEndpoints.list();
  expect(endpoints.data.map((endpoint) => endpoint.url)).toEqual([`http://127.0.0.1:${port}/api/webhooks/stripe`]);

  const started = await settled.app.inject({ method: 'POST', url: '/api/checkout', payload: { items: [{ sku: 'ebook', quantity: 1 }], email: 'dev@example.com' } });
  const { orderId, checkoutUrl } = started.json<{ orderId: string; checkoutUrl: string }>();
  expect(checkoutUrl.startsWith(emulatorUrl)).toBe(true);
  expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);
  const fulfilled = await waitFor(() => notices.find((notice) => notice.orderId === orderId), 'the fulfillment');
  expect(fulfilled.order).toMatchObject({ status: 'paid', email: 'dev@example.com', amountTotal: 1500, currency: 'usd' });

  await settled.close();
  settled = undefined;
  await expect(fetch(emulatorUrl)).rejects.toThrow();
});

it('stripe: { emulator: url } uses a running emulator and replaces the endpoint an earlier run left at the same URL', async () => {
  const emulator = await startEmulator();
  try {
    const port = await freePort();
    const first = await createSettled({ ...options(port, []), stripe: { emulator: emulator.url }, worker: { enabled: false } });
    await first.close();
    settled = await createSettled({ ...options(port, []), stripe: { emulator: emulator.url }, worker: { enabled: false } });
    const endpoints = await createStripeClient({ secretKey: 'sk_test_look', apiBase: emulator.url }).webhookEndpoints.list();
    expect(endpoints.data).toHaveLength(1);
    expect(settled.emulator?.url).toBe(emulator.url);
  } finally {
    await settled?.close();
    settled = undefined;
    await emulator.close();
  }
});

it('without webhook secrets or the emulator, createSettled says what to give', async () => {
  await expect(createSettled({ ...options(1, []), stripe: { secretKey: 'sk_test_x' } })).rejects.toThrow(/give webhookSecrets .* or use stripe: \{ emulator: true \}/);
});
