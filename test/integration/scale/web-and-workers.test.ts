import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createScratchSchema, postgresReachable, ProcessGroup, waitUntil, type ScratchSchema } from './scratch-database.js';
import { payOnHostedPage } from '../../support/hosted-page.js';

const SUITE = 'settled serve --no-worker and settled worker as separate processes';
const ORDERS = 40;

const runnable = await postgresReachable(SUITE);

function appliedCount(output: string): number {
  return output.split('\n').filter((line) => line.includes('"msg":"event applied"')).length;
}

describe.skipIf(!runnable)(SUITE, () => {
  const processes = new ProcessGroup();
  let emulator: RunningEmulator | undefined;
  let schema: ScratchSchema | undefined;

  afterEach(async () => {
    await processes.cleanup();
    await emulator?.close();
    await schema?.drop();
  });

  it('web processes only store events, workers apply each one once, and verify on any web process waits for them', { timeout: 90_000 }, async () => {
    emulator = await startEmulator({ retryScheduleMs: [50, 100, 200, 400, 800, 1600], chaos: { duplicates: 2, seed: 11 } });
    schema = await createScratchSchema();
    const shared = { DATABASE_URL: schema.url, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: emulator.url, LOG_LEVEL: 'info' };
    const web = [0, 1].map(() => processes.start(['serve', '--no-worker'], { ...shared, PORT: '0', DATA_DIR: processes.tempDir(), DATABASE_POOL_SIZE: '4' }));
    const workers = [0, 1].map(() => processes.start(['worker'], { ...shared, DATABASE_POOL_SIZE: '2' }));
    const urls = await Promise.all(web.map(async (run) => (await run.waitFor(/settled is serving on (http:\/\/\S+)/, 60_000))[1]!));
    await Promise.all(workers.map((run) => run.waitFor(/settled worker \S+ is processing events/, 60_000)));

    const orderIds: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_lane, lane) => {
        for (let index = lane; index < ORDERS; index += 8) {
          const created = await fetch(`${urls[index % 2]}/api/checkout`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ items: [{ sku: 'field-notes', quantity: 1 }] }),
          });
          expect(created.status).toBe(201);
          const { orderId, sessionId, checkoutUrl } = (await created.json()) as { orderId: string; sessionId: string; checkoutUrl: string };
          orderIds.push(orderId);
          expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);
          // The buyer lands on the other web process, which has no worker: its answer comes from a worker elsewhere.
          const verified = await fetch(`${urls[(index + 1) % 2]}/api/payments/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ sessionId }),
          });
          expect(verified.status).toBe(200);
          const body = (await verified.json()) as { verified: boolean; order: { status: string } };
          expect(body).toMatchObject({ verified: true, order: { status: 'paid' } });
        }
      }),
    );

    expect(await emulator.settle(30_000)).toBe(true);
    await waitUntil(
      async () => {
        const [busy] = await schema!.query<{ count: number }>("select count(*)::int as count from inbox_events where status in ('pending', 'processing')");
        return busy?.count === 0 ? true : undefined;
      },
      30_000,
      async () => JSON.stringify(await schema!.query('select status, count(*)::int from inbox_events group by status')),
    );

    const orders = await schema.query<{ id: string; status: string; fulfillments: number }>(`
      select o.id, o.status, (select count(*)::int from fulfillments f where f.order_id = o.id) as fulfillments from orders o`);
    expect(orders.map((o) => o.id).sort()).toEqual([...orderIds].sort());
    expect(orders.filter((o) => o.status !== 'paid' || o.fulfillments !== 1)).toEqual([]);

    // Each applied event was applied by exactly one worker, and never by a web process.
    const [processed] = await schema.query<{ count: number }>("select count(*)::int as count from inbox_events where status = 'processed'");
    expect(web.map((run) => appliedCount(run.output()))).toEqual([0, 0]);
    expect(workers.reduce((sum, run) => sum + appliedCount(run.output()), 0)).toBe(processed?.count);
    expect(await schema.query("select id from inbox_events where status not in ('processed', 'ignored')")).toEqual([]);
  });
});
