import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { inboxEvent, sessionFor } from '../../support/events.js';
import { TEST_DATABASE_URL } from '../../support/stores.js';
import { orderTerms } from '../store/fixtures.js';
import { createScratchSchema, postgresReachable, ProcessGroup, waitUntil, type ScratchSchema } from './scratch-database.js';

const SUITE = 'a settled worker killed while holding claims';
const EVENTS = 40;
const LEASE_SECONDS = 3;

const runnable = await postgresReachable(SUITE);

describe.skipIf(!runnable)(SUITE, () => {
  const processes = new ProcessGroup();
  let schema: ScratchSchema | undefined;
  let store: Store | undefined;
  let blocker: pg.Client | undefined;

  afterEach(async () => {
    await processes.cleanup();
    await blocker?.end().catch(() => undefined);
    await store?.close();
    await schema?.drop();
  });

  it('leaves its claimed events to another worker after the lease, and each is processed exactly once', { timeout: 60_000 }, async () => {
    schema = await createScratchSchema();
    store = await openStore({ kind: 'postgres', connectionString: TEST_DATABASE_URL, schema: schema.name, poolSize: 2 });
    await store.migrate();
    const events = [];
    // Received just now, so they are due at once.
    const receivedSeconds = Math.floor(Date.now() / 1000) - EVENTS;
    for (let n = 0; n < EVENTS; n += 1) {
      const order = orderTerms({ id: `ord_kill_${n}`, checkoutSessionId: `cs_test_kill_${n}` });
      await store.orders.create(order);
      events.push(inboxEvent(`evt_kill_${n}`, 'checkout.session.completed', sessionFor(order), receivedSeconds + n));
    }
    await store.inbox.add(events);

    // Hold the orders table so the first worker claims a batch and then hangs on it, claims held, until killed.
    blocker = new pg.Client({ connectionString: schema.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table orders in access exclusive mode');

    const env = {
      DATABASE_URL: schema.url,
      STRIPE_SECRET_KEY: 'sk_test_x',
      // Never called: these events name their order in metadata, so no Stripe lookup is needed.
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      WORKER_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: 'warn',
    };
    const doomed = processes.start(['worker'], env);
    const doomedId = (await doomed.waitFor(/settled worker (\S+) is processing events/, 30_000))[1]!;
    const claimed = await waitUntil(
      async () => {
        const rows = await schema!.query<{ id: string; locked_until: string }>(
          "select id, locked_until from inbox_events where status = 'processing' and locked_by = $1",
          [doomedId],
        );
        return rows.length > 0 ? rows : undefined;
      },
      20_000,
      async () => JSON.stringify(await schema!.query('select status, locked_by, count(*)::int from inbox_events group by 1, 2')),
    );
    doomed.child.kill('SIGKILL');
    await doomed.exited();
    await blocker.query('rollback');

    const survivor = processes.start(['worker'], env);
    await survivor.waitFor(/settled worker \S+ is processing events/, 30_000);
    await waitUntil(
      async () => {
        const [left] = await schema!.query<{ count: number }>("select count(*)::int as count from inbox_events where status <> 'processed'");
        return left?.count === 0 ? true : undefined;
      },
      30_000,
      async () => JSON.stringify(await schema!.query('select id, status, attempts, last_error from inbox_events where status <> $1', ['processed'])),
    );

    // The dead worker's claims were taken over only once its lease had run out, and each was claimed just twice.
    const claimedUntil = new Map(claimed.map((row) => [row.id, Number(row.locked_until)]));
    const inbox = await schema.query<{ id: string; attempts: number; processed_at: string; last_error: string | null }>(
      'select id, attempts, processed_at, last_error from inbox_events',
    );
    expect(inbox).toHaveLength(EVENTS);
    for (const row of inbox) {
      const leaseEnd = claimedUntil.get(row.id);
      expect(row.attempts, row.id).toBe(leaseEnd === undefined ? 1 : 2);
      if (leaseEnd !== undefined) expect(Number(row.processed_at), row.id).toBeGreaterThanOrEqual(leaseEnd);
      expect(row.last_error).toBeNull();
    }

    // Exactly once: every order paid, one fulfillment, one fulfillment notice, one recorded fact.
    const orders = await schema.query<{ id: string; status: string; fulfillments: number; notices: number; facts: number }>(`
      select o.id, o.status,
        (select count(*)::int from fulfillments f where f.order_id = o.id) as fulfillments,
        (select count(*)::int from outbox m where m.order_id = o.id and m.kind = 'order.fulfilled') as notices,
        (select count(*)::int from order_facts x where x.order_id = o.id) as facts
      from orders o`);
    expect(orders).toHaveLength(EVENTS);
    expect(orders.filter((o) => o.status !== 'paid' || o.fulfillments !== 1 || o.notices !== 1 || o.facts !== 1)).toEqual([]);
  });
});
