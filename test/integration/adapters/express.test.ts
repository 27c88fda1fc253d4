import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { settledExpress } from '../../../src/adapters/express.js';
import { createLogger } from '../../../src/logging.js';
import { createSettled, type Settled } from '../../../src/settled.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { demoCatalog } from '../../support/catalog.js';

// Only what Express itself decides is tested here; the shared suite covers the payment flows.
describe('the Express adapter inside an app', () => {
  let dir: string | undefined;
  let store: Store | undefined;
  let settled: Settled | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await settled?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function serve(build: (mounted: Express) => Express): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'settled-express-'));
    store = await openStore({ kind: 'sqlite', path: join(dir, 'settled.db') });
    settled = await createSettled({
      store,
      // Never called: these requests end before anything asks Stripe.
      stripe: createStripeClient({ secretKey: 'sk_test_unused', apiBase: 'http://127.0.0.1:9' }),
      webhookSecrets: ['whsec_test'],
      catalog: demoCatalog(),
      orderRefSecret: 'express-order-ref-secret-0123456789',
      publicUrl: 'http://127.0.0.1',
      logger: createLogger({ level: 'silent' }),
      worker: { enabled: false },
    });
    server = createServer(build(settledExpress(settled)));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("the app's own JSON routes keep their parsed bodies after settled is mounted", async () => {
    const url = await serve((mounted) => {
      const app = express();
      app.use(express.json());
      app.use(mounted);
      app.post('/echo', (req, res) => void res.json({ echoed: req.body as unknown }));
      return app;
    });
    const response = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await response.json()).toEqual({ echoed: { a: 1 } });
  });

  it('mounted inside a Router after express.json(), the webhook refuses with 500 rather than verify re-encoded bytes', async () => {
    const url = await serve((mounted) => {
      const app = express();
      const router = express.Router();
      router.use(express.json());
      router.use(mounted);
      app.use(router);
      return app;
    });
    const response = await fetch(`${url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: '{"id":"evt_1"}',
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'raw_body_unavailable' } });
  });

  it('a webhook body over the limit is refused with 413 before any parsing', async () => {
    const url = await serve((mounted) => {
      const app = express();
      app.use(express.json({ limit: '10mb' }));
      app.use(mounted);
      return app;
    });
    const response = await fetch(`${url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });
});
