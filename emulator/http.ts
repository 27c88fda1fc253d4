import type { FastifyRequest } from 'fastify';
import { rejectUnknown, type Params } from './form.js';
import type { Cause } from './world.js';

// Small request helpers every resource room uses.

declare module 'fastify' {
  interface FastifyRequest {
    stripeRequestId: string;
    idempotencyKey: string | null;
  }
}

/** GET and DELETE carry parameters in the query string, POST in the form body. */
export function paramsOf(request: FastifyRequest): Params {
  const query = (request.query ?? {}) as Params;
  const body = request.body && typeof request.body === 'object' ? (request.body as Params) : {};
  return { ...query, ...body };
}

/** Parameters of a retrieve call: only `expand[]` (and what `allowed` adds) is accepted. */
export function retrieveParamsOf(request: FastifyRequest, allowed: Record<string, true> = {}): Params {
  const params = paramsOf(request);
  rejectUnknown(params, allowed);
  return params;
}

export function idOf(request: FastifyRequest, name = 'id'): string {
  return (request.params as Record<string, string>)[name] ?? '';
}

export function causeOf(request: FastifyRequest): Cause {
  const version = request.headers['stripe-version'];
  return {
    requestId: request.stripeRequestId,
    idempotencyKey: request.idempotencyKey,
    apiVersion: typeof version === 'string' && version !== '' ? version : null,
  };
}
