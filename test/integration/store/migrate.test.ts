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
      expect(await ctx.execute('select name from kysely_migration')).toEqual([{ name: '001-initial' }, { name: '002-delivery-log' }, { name: '003-delivery-body' }, { name: '004-leases' }, { name: '005-inbox-indexes' }, { name: '006-payload-compression' }, { name: '007-webhook-rejection-counts' }, { name: '008-sidecar-api' }, { name: '009-refund-requests' }, { name: '010-outbox-indexes' }]);
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
      const [row] = await ctx.execute("select pg_column_compression(payload) as method from inbox_events where id = 'evt_big'");
      const [server] = await ctx.execute("select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'");
      expect(row?.['method']).toBe(server?.['lz4'] === true ? 'lz4' : 'pglz');
    });

    it('ten processes migrating a fresh database at once end with one consistent schema', async () => {
      const stores = [ctx.store, ...(await Promise.all(Array.from({ length: 9 }, () => ctx.openAnother({ poolSize: 1 }))))];
      const results = await Promise.allSettled(stores.map((store) => store.migrate()));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await ctx.execute('select name from kysely_migration')).toEqual([{ name: '001-initial' }, { name: '002-delivery-log' }, { name: '003-delivery-body' }, { name: '004-leases' }, { name: '005-inbox-indexes' }, { name: '006-payload-compression' }, { name: '007-webhook-rejection-counts' }, { name: '008-sidecar-api' }, { name: '009-refund-requests' }, { name: '010-outbox-indexes' }]);
      await stores[3]?.orders.create(orderTerms());
      expect((await ctx.store.orders.get('ord_1'))?.total).toEqual({ amount: 2500, currency: 'usd' });
    });
  }, { migrate: false });
});
