/* global process, console */
// A shop that already runs Express, with settled added. Run: node server.mjs (settings below, from the environment).
import express from 'express';
import { createSettled, createStripeClient, openStore, parseCatalog } from 'settled';
import { settledExpress } from 'settled/express';

const env = process.env;
const port = Number(env.PORT ?? 3000);
const store = await openStore({ kind: 'sqlite', path: env.DATABASE_PATH ?? 'shop.db' });
const settled = await createSettled({
  store,
  stripe: createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE }),
  webhookSecrets: [env.STRIPE_WEBHOOK_SECRET],
  catalog: parseCatalog({
    items: [{ sku: 'ebook', name: 'The Ebook', unitAmount: 1500, currency: 'usd', resource: { title: 'The Ebook', body: 'Thanks!' } }],
  }),
  orderRefSecret: env.ORDER_REF_SECRET,
  publicUrl: env.PUBLIC_URL ?? `http://127.0.0.1:${port}`,
  // At least once per paid order, outside the request: key your side effect on notice.idempotencyKey.
  onFulfilled: (notice) => console.log(`fulfilled ${notice.orderId}`),
});

const app = express();
app.use(express.json()); // your own routes' parser; settled still gets the webhook's exact bytes
app.use(settledExpress(settled)); // /api/checkout, /api/payments/verify, /api/orders/:id, /api/webhooks/stripe
app.get('/success', (req, res) => res.send('Thanks! Your order is being confirmed.'));

const server = app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
settled.start();
process.on('SIGTERM', async () => {
  server.close();
  await settled.close();
  await store.close();
});
