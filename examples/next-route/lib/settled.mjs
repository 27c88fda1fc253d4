/* global process, console */
// One settled per server process, shared by every route handler that imports it.
import { createSettled, createStripeClient, openStore, parseCatalog } from 'settled';

const env = process.env;
const store = await openStore({ kind: 'sqlite', path: env.DATABASE_PATH ?? 'shop.db' });
export const settled = await createSettled({
  store,
  stripe: createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE }),
  webhookSecrets: [env.STRIPE_WEBHOOK_SECRET],
  catalog: parseCatalog({
    items: [{ sku: 'ebook', name: 'The Ebook', unitAmount: 1500, currency: 'usd', resource: { title: 'The Ebook', body: 'Thanks!' } }],
  }),
  orderRefSecret: env.ORDER_REF_SECRET,
  publicUrl: env.PUBLIC_URL,
  onFulfilled: (notice) => console.log(`fulfilled ${notice.orderId}`),
});
settled.start();
