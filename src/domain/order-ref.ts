import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Money } from './money.js';

/**
 * The HMAC that settled puts in metadata.order_ref: it binds the order id to the amount and currency
 * promised, so a payment object for another order or another price cannot pass as this one.
 */
export function computeOrderRef(secret: string, orderId: string, total: Money): string {
  // A JSON array is an unambiguous encoding: no choice of id can collide with another (id, amount) pair.
  const message = JSON.stringify(['settled.order_ref.v1', orderId, total.amount, total.currency]);
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64url');
}

export function orderRefMatches(secret: string, orderId: string, total: Money, candidate: string | null): boolean {
  if (candidate === null) return false;
  return constantTimeEqual(computeOrderRef(secret, orderId, total), candidate);
}

/** Compares two strings without leaking where they differ; a length difference is not secret here. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
