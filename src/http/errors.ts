import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { StoreUnavailableError, failureKind, loggableError } from '../errors/index.js';

/** An error meant for the client: a stable code, a sentence that says what to do, an HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

interface ErrorBody {
  error: { code: string; message: string };
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

// Fastify's own refusals (bad JSON, wrong content type, too large), translated into our error shape.
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'This endpoint does not accept that Content-Type.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large', message: 'The request body is larger than this endpoint accepts.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', message: 'Content-Length does not match the body.' },
};

export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Worth an error log line: ours or Stripe's failure, not the client's. */
  readonly unexpected: boolean;
  /** Sent as Retry-After: the failure is ours and passing, so the same request may be tried again then. */
  readonly retryAfterSeconds?: number;
}

const STRIPE_UNAVAILABLE = 'The payment provider could not be reached or refused the request. Nothing was charged; try again in a moment.';
const STORE_UNAVAILABLE = 'The order store is unavailable for a moment. Try again in a few seconds.';
// A database that blipped is usually back within seconds; a balancer or Stripe will try again sooner or later anyway.
const STORE_RETRY_AFTER_SECONDS = 2;
// Long enough for a blip or a rate limit to pass, short enough that a buyer still on the page tries again.
const STRIPE_RETRY_AFTER_SECONDS = 5;
const INTERNAL = 'Something went wrong on our side. Try again in a moment; if it persists, contact the shop.';

/**
 * The one mapping from an error to what the client is told, shared by the Fastify app and the framework
 * adapters. Anything unexpected becomes a 500 that reveals nothing.
 */
export function answerForError(error: unknown): ErrorAnswer {
  const answer = (status: number, code: string, message: string, unexpected = false): ErrorAnswer => ({ status, code, message, unexpected });
  if (error instanceof HttpError) return answer(error.statusCode, error.code, error.message);
  if (error instanceof ZodError) return answer(400, 'invalid_request', describeZodError(error));
  switch (failureKind(error)) {
    case 'stripe_unavailable':
      return { ...answer(502, 'stripe_unavailable', STRIPE_UNAVAILABLE, true), retryAfterSeconds: STRIPE_RETRY_AFTER_SECONDS };
    case 'stripe_refused':
      // Stripe refused the request itself (a bad key, a parameter): trying again will not help, so no Retry-After.
      return answer(502, 'stripe_unavailable', STRIPE_UNAVAILABLE, true);
    case 'store_unavailable': {
      const message = error instanceof StoreUnavailableError ? error.message : STORE_UNAVAILABLE;
      return { ...answer(503, 'store_unavailable', message, true), retryAfterSeconds: STORE_RETRY_AFTER_SECONDS };
    }
    case undefined:
      break;
  }
  if (!(error instanceof Error)) return answer(500, 'internal_error', INTERNAL, true);
  const fastifyCode = 'code' in error && typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (fastifyCode) return answer(fastifyCode.status, fastifyCode.code, fastifyCode.message);
  if (error instanceof SyntaxError && 'statusCode' in error && error.statusCode === 400) return answer(400, 'invalid_json', 'The body is not valid JSON.');
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) return answer(status, 'bad_request', 'The request could not be understood.');
  return answer(500, 'internal_error', INTERNAL, true);
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const answer = answerForError(error);
  if (answer.unexpected) request.log.error({ err: loggableError(error) }, 'request failed');
  if (answer.retryAfterSeconds !== undefined) void reply.header('retry-after', String(answer.retryAfterSeconds));
  void reply.status(answer.status).send(body(answer.code, answer.message));
}

// Long enough for a replacement instance to take over; Stripe retries a webhook on its own schedule anyway.
const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 5;

/** The answer to a request that arrives while the server is closing: nothing was done, so it is safe to retry. */
export function refuseWhileShuttingDown(reply: FastifyReply): void {
  void reply
    .status(503)
    .header('retry-after', String(SHUTTING_DOWN_RETRY_AFTER_SECONDS))
    .header('connection', 'close')
    .send(body('shutting_down', 'This server is shutting down and did not handle the request. Try again in a few seconds.'));
}

/** Errors the router raises before any route runs: a malformed or overlong URL. */
export function frameworkErrorHandler(error: FastifyError, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(body('uri_too_long', 'A part of this address is too long.'));
    return;
  }
  void reply.status(400).send(body('bad_url', 'This address is not valid.'));
}
