import { afterEach, describe, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import { openStore, type InboxWatch, type Store } from '../../../src/store/index.js';
import { WATCH_APPLICATION_NAME } from '../../../src/store/postgres/inbox-watch.js';
import { inboxEvent, sessionFor } from '../../support/events.js';
import { msUntil, pendingOrders } from '../../support/exactly-once.js';
import { intakeOnlyOptions } from '../../support/intake-app.js';
import { createScratchDatabase, postgresReachable, type ScratchDatabase } from './scratch-database.js';

const SUITE = 'the inbox tells other processes of new events (PostgreSQL LISTEN/NOTIFY)';
const runnable = await postgresReachable(SUITE);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!runnable)(SUITE, () => {
  let database: ScratchDatabase | undefined;
  const stores: Store[] = [];
  const watches: InboxWatch[] = [];
  let settled: Settled | undefined;

  afterEach(async () => {
    await settled?.close();
    settled = undefined;
    for (const watch of watches.splice(0)) await watch.close();
    for (const store of stores.splice(0)) await store.close();
    await database?.drop();
    database = undefined;
  });

  async function open(): Promise<Store> {
    database ??= await createScratchDatabase();
    const store = await openStore({ kind: 'postgres', connectionString: database.url, poolSize: 2 });
    stores.push(store);
    await store.migrate();
    return store;
  }

  const listeners = async () =>
    (await database!.query<{ pid: number }>("select pid from pg_stat_activity where datname = $1 and application_name = $2 and query ilike 'listen%'", [database!.name, WATCH_APPLICATION_NAME])).map((row) => row.pid);

  function counted(store: Store): { signals: () => number; errors: Error[]; watch: InboxWatch } {
    let signals = 0;
    const errors: Error[] = [];
    const watch = store.inbox.watch(
      () => (signals += 1),
      (error) => errors.push(error),
    );
    watches.push(watch);
    return { signals: () => signals, errors, watch };
  }

  const event = (id: string) => inboxEvent(id, 'payment_intent.created', { id: `pi_${id}`, object: 'payment_intent' }, Math.floor(Date.now() / 1000));

  it("signals another process's store when events go in, but not for a repeat or another schema's notice", async () => {
    const [intake, worker] = [await open(), await open()];
    const heard = counted(worker);
    await msUntil(async () => (await listeners()).length === 1 && heard.signals() === 1, 5_000, 'listening, and told once to look');

    await intake.inbox.add([event('evt_watch_1'), event('evt_watch_2')]);
    await msUntil(async () => heard.signals() === 2, 5_000, 'one signal for the batch');

    // A batch of repeats adds nothing, and a notice for another schema is not this inbox's.
    await intake.inbox.add([event('evt_watch_1')]);
    await database!.query("select pg_notify('settled_inbox_added', 'some_other_schema')");
    await sleep(300);
    expect(heard.signals()).toBe(2);
    expect(heard.errors).toEqual([]);

    await heard.watch.close();
    expect(await listeners()).toEqual([]);
    await intake.inbox.add([event('evt_watch_3')]);
    await sleep(200);
    expect(heard.signals()).toBe(2);
  });

  it('a burst of batches from one process is announced at once and once after it, not batch by batch', async () => {
    const [intake, worker] = [await open(), await open()];
    const heard = counted(worker);
    await msUntil(async () => heard.signals() === 1, 5_000, 'listening, and told once to look');
    // The intake's connections made and its statement prepared first, so the burst below is the batches alone.
    await intake.inbox.add([event('evt_burst_warm'), event('evt_burst_warm_2')]);
    await msUntil(async () => heard.signals() === 2, 5_000, 'the warm-up announced');

    const started = performance.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => intake.inbox.add([event(`evt_burst_${i}`)])));
    const tookMs = performance.now() - started;
    await msUntil(async () => heard.signals() >= 3, 5_000, 'the burst announced');
    await sleep(300);
    // At most one notice a window (20 ms) while the batches went in, and one owed after the last: 12 without spacing,
    // against 2-3 when the burst takes a few milliseconds.
    expect(heard.signals() - 2).toBeLessThanOrEqual(2 + Math.ceil(tookMs / 20));
    expect(await worker.inbox.claim({ workerId: 'w', limit: 50, leaseMs: 60_000, now: Date.now() })).toHaveLength(14);
  });

  it('listens again after its connection is ended, and says so', async () => {
    const [intake, worker] = [await open(), await open()];
    const heard = counted(worker);
    await msUntil(async () => (await listeners()).length === 1, 5_000, 'listening');
    const [first] = await listeners();

    await database!.query('select pg_terminate_backend($1)', [first]);
    await msUntil(async () => heard.errors.length === 1, 5_000, 'the broken connection reported');
    await msUntil(async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== first;
    }, 5_000, 'listening on a new connection');
    // Once listening again it says to look, for what was announced while it was not.
    await msUntil(async () => heard.signals() === 2, 5_000, 'told to look after listening again');

    await intake.inbox.add([event('evt_watch_after')]);
    await msUntil(async () => heard.signals() === 3, 5_000, 'heard on the new connection');
  });

  it('a worker in another process fulfills an order as soon as its event is stored, long before its next poll', async () => {
    const intake = await open();
    const processing = await open();
    const [order] = await pendingOrders(intake, 1, 'watch');
    settled = await createSettled(intakeOnlyOptions(processing, 'whsec_watch', { worker: { enabled: true, pollIntervalMs: 60_000 } }));
    settled.start();
    await msUntil(async () => (await listeners()).length === 1, 5_000, 'the worker listening');
    // The worker's first look (at start) has found nothing; its next poll is a minute away.
    await sleep(200);

    const stored = Date.now();
    await intake.inbox.add([inboxEvent(`evt_watch_paid`, 'checkout.session.completed', sessionFor(order!), Math.floor(Date.now() / 1000))]);
    await msUntil(async () => (await processing.orders.get(order!.id))?.status === 'paid', 10_000, 'the order paid');
    expect(Date.now() - stored).toBeLessThan(5_000);
    expect(await database!.query('select count(*)::int as n from fulfillments')).toEqual([{ n: 1 }]);
  });
});
