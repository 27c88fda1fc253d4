import { describe, expect, it } from 'vitest';
import { SchemaTooNewError } from '../../../src/store/index.js';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms } from './fixtures.js';

describe('store migrations', () => {
  describeEachStore('migrate', (ctx) => {
    it('running migrate twice applies nothing the second time', async () => {
      await ctx.store.migrate();
      await ctx.store.orders.create(orderTerms());
      await ctx.store.migrate();
      expect(await ctx.execute('select name from kysely_migration')).toEqual([{ name: '001-initial' }, { name: '002-delivery-log' }, { name: '003-delivery-body' }, { name: '004-leases' }, { name: '005-inbox-indexes' }, { name: '006-payload-compression' }, { name: '007-webhook-rejection-counts' }, { name: '008-sidecar-api' }, { name: '009-refund-requests' }, { name: '010-outbox-indexes' }, { name: '011-inbox-payloads' }]);
      expect((await ctx.store.orders.get('ord_1'))?.id).toBe('ord_1');
    });

    it('refuses a database migrated by newer code and names the unknown migration', async () => {
      await ctx.store.migrate();
      await ctx.execute("insert into kysely_migration (name, timestamp) values ('999-from-the-future', '2030-01-01T00:00:00.000Z')");
      const error = await ctx.store.migrate().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaTooNewError);
      expect((error as SchemaTooNewError).message).toContain('999-from-the-future');
      expect((error as SchemaTooNewError).code).toBe('schema_too_new');
    });

    it('stores large event payloads intact, compressed with lz4 on PostgreSQL', async () => {
      await ctx.store.migrate();
      // ~6 KB of varied JSON: over PostgreSQL's 2 KB threshold, so it is compressed.
      const payload = JSON.stringify({ id: 'evt_big', lines: Array.from({ length: 120 }, (_, n) => ({ n, name: `Zoë’s item ${n * 7919}` })) });
      await ctx.store.inbox.add([{ id: 'evt_big', type: 'charge.succeeded', payload, source: 'webhook', receivedAt: 1_000 }]);
      expect((await ctx.store.inbox.get('evt_big'))?.payload).toBe(payload);
      if (ctx.kind !== 'postgres') return;
      const [row] = await ctx.execute("select pg_column_compression(payload) as method from inbox_payloads where event_id = 'evt_big'");
      const [server] = await ctx.execute("select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'");
      expect(row?.['method']).toBe(server?.['lz4'] === true ? 'lz4' : 'pglz');
    });

    it("keeps the payloads of events stored before they moved to their own table (011): read, claimed, requeued", async () => {
      await ctx.migrateThrough('010-outbox-indexes');
      const payload = (id: string) => JSON.stringify({ id, object: 'event', data: { note: `Zoë’s ${id}`, padding: 'x'.repeat(4_000) } });
      for (const [n, id] of ['evt_old1', 'evt_old2'].entries()) {
        await ctx.execute(`insert into inbox_events (id, type, payload, source, received_at, run_at) values ('${id}', 'checkout.session.completed', '${payload(id)}', 'webhook', ${1_000 + n}, ${1_000 + n})`);
      }
      await ctx.store.migrate();
      expect((await ctx.store.inbox.get('evt_old1'))?.payload).toBe(payload('evt_old1'));
      const claimed = await ctx.store.inbox.claim({ workerId: 'w1', limit: 10, leaseMs: 60_000, now: 5_000 });
      expect(claimed.map((event) => [event.id, event.payload])).toEqual([['evt_old1', payload('evt_old1')], ['evt_old2', payload('evt_old2')]]);
      // Events stored from now on go the new way, beside the old ones.
      await ctx.store.inbox.add([{ id: 'evt_new', type: 'charge.succeeded', payload: payload('evt_new'), source: 'webhook', receivedAt: 6_000 }]);
      expect((await ctx.store.inbox.getMany(['evt_new', 'evt_old2'])).map((event) => event.payload)).toEqual([payload('evt_old2'), payload('evt_new')]);
      expect(await ctx.execute('select count(*) as n from inbox_payloads')).toEqual([{ n: ctx.kind === 'postgres' ? '3' : 3 }]);
    });

    it('ten processes migrating a fresh database at once end with one consistent schema', async () => {
      const stores = [ctx.store, ...(await Promise.all(Array.from({ length: 9 }, () => ctx.openAnother({ poolSize: 1 }))))];
      const results = await Promise.allSettled(stores.map((store) => store.migrate()));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await ctx.execute('select name from kysely_migration')).toEqual([{ name: '001-initial' }, { name: '002-delivery-log' }, { name: '003-delivery-body' }, { name: '004-leases' }, { name: '005-inbox-indexes' }, { name: '006-payload-compression' }, { name: '007-webhook-rejection-counts' }, { name: '008-sidecar-api' }, { name: '009-refund-requests' }, { name: '010-outbox-indexes' }, { name: '011-inbox-payloads' }]);
      await stores[3]?.orders.create(orderTerms());
      expect((await ctx.store.orders.get('ord_1'))?.total).toEqual({ amount: 2500, currency: 'usd' });
    });
  }, { migrate: false });
});
