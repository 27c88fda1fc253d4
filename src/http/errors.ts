import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import Stripe from 'stripe';
import { ZodError } from 'zod';

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

/** The one place errors become HTTP responses. Anything unexpected is a 500 that reveals nothing. */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof HttpError) {
    void reply.status(error.statusCode).send(body(error.code, error.message));
    return;
  }
  if (error instanceof ZodError) {
    void reply.status(400).send(body('invalid_request', describeZodError(error)));
    return;
  }
  const fastifyCode = 'code' in error && typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (fastifyCode) {
    void reply.status(fastifyCode.status).send(body(fastifyCode.code, fastifyCode.message));
    return;
  }
  if (error instanceof SyntaxError && 'statusCode' in error && error.statusCode === 400) {
    void reply.status(400).send(body('invalid_json', 'The body is not valid JSON.'));
    return;
  }
  if (error instanceof Stripe.errors.StripeError) {
    // Stripe's own words may name our keys or objects; the buyer gets a sentence, the log gets the details.
    request.log.error({ err: { type: error.type, code: error.code, statusCode: error.statusCode, requestId: error.requestId } }, 'Stripe call failed');
    void reply.status(502).send(body('stripe_unavailable', 'The payment provider could not be reached or refused the request. Nothing was charged; try again in a moment.'));
    return;
  }
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    void reply.status(status).send(body('bad_request', 'The request could not be understood.'));
    return;
  }
  request.log.error({ err: { name: error.name, message: error.message, stack: error.stack } }, 'request failed');
  void reply.status(500).send(body('internal_error', 'Something went wrong on our side. Try again in a moment; if it persists, contact the shop.'));
}

/** Errors the router raises before any route runs: a malformed or overlong URL. */
export function frameworkErrorHandler(error: FastifyError, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(body('uri_too_long', 'A part of this address is too long.'));
    return;
  }
  void reply.status(400).send(body('bad_url', 'This address is not valid.'));
}
