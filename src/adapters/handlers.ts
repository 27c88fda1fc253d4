import qs from 'qs';
import { startCheckoutSession, startPaymentIntent } from '../checkout/start-checkout.js';
import { ORDER_ID, FORM_PARSE_OPTIONS, catalogView, isFormContentType, parseCheckout, verifyBody } from '../http/api-requests.js';
import { HttpError, answerForError } from '../http/errors.js';
import { orderView } from '../http/order-view.js';
import { webhookAnswer } from '../http/webhook-route.js';
import type { Settled } from '../settled.js';

/** A request as every framework can describe it: the path is below where settled is mounted. */
export interface AdapterRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: { readonly [name: string]: string | undefined };
  /** The exact bytes received; the webhook's signature is over these. */
  readonly rawBody: Buffer;
  readonly sourceAddress?: string | null;
}

export interface AdapterResponse {
  readonly status: number;
  readonly headers: { readonly [name: string]: string };
  readonly body: string;
}

export interface HandlerOptions {
  /** Told about unexpected failures (answered 500 without details); default: console.error. */
  readonly onError?: (error: unknown) => void;
}

export const WEBHOOK_PATH = '/api/webhooks/stripe';
/** Stripe events are a few KB; anything far larger is not one. Buyer bodies are smaller still. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
export const BUYER_BODY_LIMIT_BYTES = 64 * 1024;

export type SettledParts = Pick<Settled, 'intake' | 'verify' | 'checkout' | 'store'>;

/** Answers a settled request, or null when the path is not one of settled's (the adapter passes it on). */
export type SettledHandler = (request: AdapterRequest) => Promise<AdapterResponse | null>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): AdapterResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

function failure(status: number, code: string, message: string, headers: Record<string, string> = {}): AdapterResponse {
  return json(status, { error: { code, message } }, headers);
}

function parseBody(request: AdapterRequest): unknown {
  const contentType = request.headers['content-type'];
  const text = request.rawBody.toString('utf8');
  if (isFormContentType(contentType)) return qs.parse(text, FORM_PARSE_OPTIONS);
  if (!(contentType ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'This endpoint does not accept that Content-Type.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

function errorResponse(error: unknown, onError: (error: unknown) => void): AdapterResponse {
  const answer = answerForError(error);
  if (answer.unexpected) onError(error);
  const headers: Record<string, string> = answer.retryAfterSeconds === undefined ? {} : { 'retry-after': String(answer.retryAfterSeconds) };
  return failure(answer.status, answer.code, answer.message, headers);
}

async function webhook(settled: SettledParts, request: AdapterRequest): Promise<AdapterResponse> {
  const result = await settled.intake({
    rawBody: request.rawBody,
    signatureHeader: request.headers['stripe-signature'],
    sourceAddress: request.sourceAddress ?? null,
  });
  const answer = webhookAnswer(result);
  return json(answer.status, answer.body, answer.headers);
}

async function route(settled: SettledParts, request: AdapterRequest): Promise<AdapterResponse | null> {
  const { method, path } = request;
  const publicUrl = settled.checkout.publicUrl;
  if (method === 'POST' && path === WEBHOOK_PATH) return webhook(settled, request);
  if (method === 'GET' && path === '/api/catalog') return json(200, catalogView(settled.checkout.catalog));
  if (method === 'POST' && path === '/api/checkout') {
    const result = await startCheckoutSession(settled.checkout, parseCheckout(request.headers['content-type'], parseBody(request)));
    if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
    if (isFormContentType(request.headers['content-type'])) return { status: 303, headers: { location: result.checkoutUrl }, body: '' };
    return json(201, { orderId: result.orderId, sessionId: result.sessionId, checkoutUrl: result.checkoutUrl });
  }
  if (method === 'POST' && path === '/api/payment-intents') {
    const result = await startPaymentIntent(settled.checkout, parseCheckout(request.headers['content-type'], parseBody(request)));
    if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
    return json(201, { orderId: result.orderId, paymentIntentId: result.paymentIntentId, clientSecret: result.clientSecret });
  }
  if (method === 'POST' && path === '/api/payments/verify') {
    const result = await settled.verify(verifyBody.parse(parseBody(request)));
    if (result.kind === 'unknown') throw new HttpError(404, 'unknown_payment', result.message);
    return json(200, { verified: result.settled, order: orderView(result.order, publicUrl()) });
  }
  const orderMatch = /^\/api\/orders\/([^/]+)$/.exec(path);
  if (method === 'GET' && orderMatch) {
    const orderId = decodeURIComponent(orderMatch[1] ?? '');
    const order = ORDER_ID.test(orderId) ? await settled.store.orders.get(orderId) : undefined;
    if (!order) throw new HttpError(404, 'order_not_found', 'No order has that id.');
    return json(200, orderView(order, publicUrl()));
  }
  return null;
}

/** The buyer API and the webhook, framework-free; every adapter is a thin translation around this. */
export function createSettledHandler(settled: SettledParts, options: HandlerOptions = {}): SettledHandler {
  const onError = options.onError ?? ((error: unknown) => console.error('settled: request failed', error));
  return async (request) => {
    try {
      return await route(settled, request);
    } catch (error) {
      return errorResponse(error, onError);
    }
  };
}

export function bodyLimitFor(path: string): number {
  return path === WEBHOOK_PATH ? WEBHOOK_BODY_LIMIT_BYTES : BUYER_BODY_LIMIT_BYTES;
}

export function bodyTooLarge(): AdapterResponse {
  return failure(413, 'body_too_large', 'The request body is larger than this endpoint accepts.');
}
