import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import type { Store } from '../../../src/store/types.js';
import { describeEachStore } from '../../support/stores.js';
import { intakeOnlyOptions } from '../../support/intake-app.js';

let settled: Settled | undefined;

afterEach(async () => {
  await settled?.close();
  settled = undefined;
});

describeEachStore('health and readiness probes', (ctx) => {
  async function start(store: Store, workerEnabled: boolean): Promise<string> {
    settled = await createSettled(
      intakeOnlyOptions(store, 'whsec_healthTestSecret', {
        // A tiny limit shows the probes sit outside it.
        rateLimits: { buyerPerMinute: 1, webhookRejectedPerMinute: 1 },
        worker: { enabled: workerEnabled, pollIntervalMs: 50 },
      }),
    );
    await settled.app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}`;
  }

  it('answers /healthz with ok and /readyz with 200 once the worker runs, never rate limited', async () => {
    const url = await start(ctx.store, true);
    const before = await fetch(`${url}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: 'unavailable', checks: { database: 'ok', worker: 'stopped' } });
    settled?.start();
    for (let i = 0; i < 5; i++) {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', writes: 'ok', worker: 'ok', lifecycle: 'ok' } });
    }
  });

  it('reports 503 with the failing database check once the store is closed, while /healthz still answers', async () => {
    const store = await ctx.openAnother();
    const url = await start(store, false);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await store.close();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', checks: { database: 'failing', writes: 'failing', worker: 'disabled', lifecycle: 'ok' } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
