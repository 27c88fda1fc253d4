import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';

describeEachStore('leases', (ctx) => {
  it('one holder at a time: taken when free or expired, extended by its holder, released only by it', async () => {
    const { leases } = ctx.store;
    expect(await leases.acquire({ name: 'reconcile', holder: 'a', now: 1_000, ttlMs: 500 })).toBe(true);
    expect(await leases.acquire({ name: 'reconcile', holder: 'b', now: 1_200, ttlMs: 500 })).toBe(false);
    // The holder extends it: still a's at 1_600, past the first expiry.
    expect(await leases.acquire({ name: 'reconcile', holder: 'a', now: 1_400, ttlMs: 500 })).toBe(true);
    expect(await leases.acquire({ name: 'reconcile', holder: 'b', now: 1_600, ttlMs: 500 })).toBe(false);
    // Expired: b takes over, and a is the one refused now.
    expect(await leases.acquire({ name: 'reconcile', holder: 'b', now: 1_900, ttlMs: 500 })).toBe(true);
    expect(await leases.acquire({ name: 'reconcile', holder: 'a', now: 2_000, ttlMs: 500 })).toBe(false);
    // Only the holder's release frees it; other names are other leases.
    await leases.release({ name: 'reconcile', holder: 'a' });
    expect(await leases.acquire({ name: 'reconcile', holder: 'a', now: 2_000, ttlMs: 500 })).toBe(false);
    expect(await leases.acquire({ name: 'other', holder: 'a', now: 2_000, ttlMs: 500 })).toBe(true);
    await leases.release({ name: 'reconcile', holder: 'b' });
    expect(await leases.acquire({ name: 'reconcile', holder: 'a', now: 2_000, ttlMs: 500 })).toBe(true);
  });

  it('of many holders asking at once, exactly one gets it', async () => {
    const others = await Promise.all([1, 2, 3].map(() => ctx.openAnother({ poolSize: 2 })));
    const stores = [ctx.store, ...others];
    const answers = await Promise.all(
      stores.flatMap((store, s) => [0, 1].map((n) => store.leases.acquire({ name: 'reconcile', holder: `h${s}-${n}`, now: 5_000, ttlMs: 60_000 }))),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});
