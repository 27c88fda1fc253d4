import { z } from 'zod';
import type { CheckoutRequest } from '../operations/checkout.js';
import type { Catalog } from '../domain/catalog.js';

/** What the buyer API accepts, shared by the Fastify routes and the framework adapters so both refuse alike. */

const STRIPE_ID = /^[A-Za-z0-9_]{3,255}$/;

// 200: a Stripe Price's lookup_key may be that long.
const SKU = z.string().min(1).max(200);
const jsonItem = z.strictObject({
  sku: SKU,
  quantity: z.number(),
});
const jsonCheckout = z.strictObject({
  items: z.array(jsonItem).min(1).max(50),
  email: z.email().max(254).optional(),
});
// An HTML form sends strings; the quantity is still checked as an integer by the catalog.
const formCheckout = z.strictObject({
  items: z
    .array(z.strictObject({ sku: SKU, quantity: z.string().regex(/^\d{1,6}$/).transform(Number) }))
    .min(1)
    .max(50),
  email: z.union([z.email().max(254), z.literal('').transform(() => undefined)]).optional(),
});

export const verifyBody = z.union([
  z.strictObject({ sessionId: z.string().regex(STRIPE_ID, 'must be a Stripe checkout session id') }),
  z.strictObject({ paymentIntentId: z.string().regex(STRIPE_ID, 'must be a Stripe payment intent id') }),
]);

/** Stripe events are a few KB; anything far larger is not one. Buyer bodies are smaller still. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
export const BUYER_BODY_LIMIT_BYTES = 64 * 1024;

/** The qs limits for form bodies: enough for a cart, not for a parser bomb. */
export const FORM_PARSE_OPTIONS = { depth: 3, arrayLimit: 50, parameterLimit: 200 } as const;

export function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').startsWith('application/x-www-form-urlencoded');
}

/** Throws ZodError on a malformed body. */
export function parseCheckout(contentType: string | undefined, body: unknown): CheckoutRequest {
  const parsed = isFormContentType(contentType) ? formCheckout.parse(body) : jsonCheckout.parse(body);
  return { items: parsed.items, email: parsed.email };
}

export function catalogView(catalog: Catalog): { items: { sku: string; name: string; unitAmount: number; currency: string }[] } {
  return { items: catalog.items.map((item) => ({ sku: item.sku, name: item.name, unitAmount: item.unitAmount, currency: item.currency })) };
}
