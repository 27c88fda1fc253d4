import { describe, expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';

describe('store idempotency keys', () => {
  describeEachStore('idempotency keys', (ctx) => {
    it('the first request takes a key; a retry with the same body gets its answer, another body is told apart', async () => {
      const keys = ctx.store.idempotencyKeys;
      expect(await keys.reserve({ key: 'k1', requestHash: 'h1', now: 1_000, leaseMs: 60_000 })).toEqual({ kind: 'reserved' });
      expect(await keys.reserve({ key: 'k1', requestHash: 'h1', now: 2_000, leaseMs: 60_000 })).toEqual({ kind: 'in_progress' });
      await keys.finish({ key: 'k1', status: 201, body: '{"id":"ord_1"}' });
      expect(await keys.reserve({ key: 'k1', requestHash: 'h1', now: 3_000, leaseMs: 60_000 })).toEqual({ kind: 'answered', status: 201, body: '{"id":"ord_1"}' });
      expect(await keys.reserve({ key: 'k1', requestHash: 'h2', now: 3_000, leaseMs: 60_000 })).toEqual({ kind: 'mismatch' });
    });

    it('a first request that died is taken over after its lease, by the same body only; a released key runs again', async () => {
      const keys = ctx.store.idempotencyKeys;
      await keys.reserve({ key: 'k2', requestHash: 'h1', now: 1_000, leaseMs: 10 });
      expect(await keys.reserve({ key: 'k2', requestHash: 'h2', now: 5_000, leaseMs: 10 })).toEqual({ kind: 'mismatch' });
      expect(await keys.reserve({ key: 'k2', requestHash: 'h1', now: 5_000, leaseMs: 10 })).toEqual({ kind: 'reserved' });
      await keys.release({ key: 'k2' });
      expect(await keys.reserve({ key: 'k2', requestHash: 'h2', now: 5_001, leaseMs: 10 })).toEqual({ kind: 'reserved' });
    });

    it('of many concurrent first requests with one key, exactly one answers', async () => {
      const other = await ctx.openAnother();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ctx.store : other).idempotencyKeys.reserve({ key: 'k3', requestHash: 'h', now: 1_000, leaseMs: 60_000 })),
      );
      expect(results.filter((r) => r.kind === 'reserved')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'in_progress')).toHaveLength(19);
    });
  });
});
