import qs from 'qs';
import { BUYER_BODY_LIMIT_BYTES, FORM_PARSE_OPTIONS, WEBHOOK_BODY_LIMIT_BYTES, isFormContentType } from '../http/api-requests.js';
import { accessPage } from '../http/access-page.js';
import { loadAssets } from '../http/assets.js';
import { matchBuyerRoute } from '../http/buyer-api.js';
import { openAccess, servesAccessPage } from '../operations/access.js';
import { HttpError, answerForError } from '../http/errors.js';
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
export { BUYER_BODY_LIMIT_BYTES, WEBHOOK_BODY_LIMIT_BYTES };

export type SettledParts = Pick<Settled, 'intake' | 'verify' | 'checkout' | 'access' | 'store'>;

const ACCESS_PREFIX = '/access/';
const ACCESS_STYLESHEET = '/assets/settled.css';
// Read from disk the first time the access page's stylesheet is asked for, then kept.
let stylesheet: { type: string; body: string } | undefined;

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
  if (request.method === 'POST' && request.path === WEBHOOK_PATH) return webhook(settled, request);
  // The buyer's access page and its stylesheet, when settled's resources are what the shop sells.
  if (request.method === 'GET' && servesAccessPage(settled.access)) {
    if (request.path.startsWith(ACCESS_PREFIX)) {
      const page = accessPage(await openAccess(settled.access, decodeURIComponent(request.path.slice(ACCESS_PREFIX.length))));
      return { status: page.status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: page.html };
    }
    const asset = request.path === ACCESS_STYLESHEET ? (stylesheet ??= loadAssets().get('settled.css')) : undefined;
    if (asset) return { status: 200, headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=300' }, body: asset.body };
  }
  const match = matchBuyerRoute(request.method, request.path);
  if (match === undefined) return null;
  // GET requests have no body to parse.
  const body = request.method === 'GET' ? undefined : parseBody(request);
  const answer = await match.operation(settled, { contentType: request.headers['content-type'], body, params: match.params });
  if ('location' in answer) return { status: 303, headers: { location: answer.location }, body: '' };
  return json(answer.status, answer.body);
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
