import { accessUrlOf, type AccessDeps } from '../operations/access.js';
import { ORDER_ID, startCheckout, type CheckoutDeps } from '../operations/checkout.js';
import type { VerifyResult, VerifyTarget } from '../operations/verify.js';
import type { Store } from '../store/types.js';
import { catalogView, isFormContentType, parseCheckout, verifyBody } from './api-requests.js';
import { HttpError } from './errors.js';
import { orderView } from './order-view.js';

/** What the buyer API needs from settled. */
export interface BuyerApiParts {
  readonly checkout: CheckoutDeps;
  readonly access: AccessDeps;
  readonly store: Pick<Store, 'orders'>;
  readonly verify: (target: VerifyTarget) => Promise<VerifyResult>;
}

/** A buyer API answer, before any framework writes it: JSON with a status, or a redirect (an HTML form's checkout). */
export type BuyerAnswer = { readonly status: number; readonly body: unknown } | { readonly status: 303; readonly location: string };

/** A request as the buyer API reads it: the body already parsed (JSON or form) by whichever framework received it. */
export interface BuyerRequest {
  readonly contentType: string | undefined;
  readonly body: unknown;
  /** Path parameters, e.g. the order id of GET /api/orders/:orderId. */
  readonly params: { readonly orderId?: string };
}

type Operation = (parts: BuyerApiParts, request: BuyerRequest) => Promise<BuyerAnswer>;

async function checkout(parts: BuyerApiParts, request: BuyerRequest): Promise<BuyerAnswer> {
  const result = await startCheckout(parts.checkout, parseCheckout(request.contentType, request.body), 'checkout_session');
  if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
  if (result.flow !== 'checkout_session') throw new Error('startCheckout answered another flow than asked');
  // A plain HTML form goes on to the checkout page; a script gets the ids.
  if (isFormContentType(request.contentType)) return { status: 303, location: result.checkoutUrl };
  return { status: 201, body: { orderId: result.orderId, sessionId: result.sessionId, checkoutUrl: result.checkoutUrl } };
}

async function paymentIntent(parts: BuyerApiParts, request: BuyerRequest): Promise<BuyerAnswer> {
  const result = await startCheckout(parts.checkout, parseCheckout(request.contentType, request.body), 'payment_intent');
  if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
  if (result.flow !== 'payment_intent') throw new Error('startCheckout answered another flow than asked');
  return { status: 201, body: { orderId: result.orderId, paymentIntentId: result.paymentIntentId, clientSecret: result.clientSecret } };
}

async function verify(parts: BuyerApiParts, request: BuyerRequest): Promise<BuyerAnswer> {
  const result = await parts.verify(verifyBody.parse(request.body));
  if (result.kind === 'unknown') throw new HttpError(404, 'unknown_payment', result.message);
  return { status: 200, body: { verified: result.settled, order: orderView(result.order, accessUrlOf(parts.access, result.order)) } };
}

async function order(parts: BuyerApiParts, request: BuyerRequest): Promise<BuyerAnswer> {
  const orderId = request.params.orderId ?? '';
  const found = ORDER_ID.test(orderId) ? await parts.store.orders.get(orderId) : undefined;
  if (!found) throw new HttpError(404, 'order_not_found', 'No order has that id.');
  return { status: 200, body: orderView(found, accessUrlOf(parts.access, found)) };
}

async function catalog(parts: BuyerApiParts): Promise<BuyerAnswer> {
  const listing = parts.checkout.prices.listing;
  if (listing === undefined) throw new HttpError(404, 'catalog_not_listed', "This shop's prices come from its own catalog; it lists its items itself.");
  return { status: 200, body: catalogView(listing) };
}

/**
 * The buyer API, once: each route and what answers it. The Fastify app registers these; the framework adapters
 * match against them. Errors are thrown (HttpError, ZodError, the store's and Stripe's) and mapped by answerForError.
 */
export const BUYER_ROUTES: readonly { readonly method: 'GET' | 'POST'; readonly path: string; readonly operation: Operation }[] = [
  { method: 'GET', path: '/api/catalog', operation: catalog },
  { method: 'POST', path: '/api/checkout', operation: checkout },
  { method: 'POST', path: '/api/payment-intents', operation: paymentIntent },
  { method: 'POST', path: '/api/payments/verify', operation: verify },
  { method: 'GET', path: '/api/orders/:orderId', operation: order },
];

/** The route for a method and path, with its parameters; undefined when the path is not the buyer API's. */
export function matchBuyerRoute(method: string, path: string): { operation: Operation; params: BuyerRequest['params'] } | undefined {
  for (const route of BUYER_ROUTES) {
    if (route.method !== method) continue;
    if (route.path === path) return { operation: route.operation, params: {} };
    const prefix = route.path.replace(/:orderId$/, '');
    if (prefix !== route.path && path.startsWith(prefix)) {
      const rest = path.slice(prefix.length);
      if (rest.length > 0 && !rest.includes('/')) return { operation: route.operation, params: { orderId: decodeURIComponent(rest) } };
    }
  }
  return undefined;
}
