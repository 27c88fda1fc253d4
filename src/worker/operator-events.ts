import type { FactMapping } from '../stripe/event-facts.js';
import type { InboxEvent, NewInboxEvent } from '../store/types.js';

/**
 * An operator's decision travels as an inbox event of our own type, so it reaches the order through the
 * same claim → facts → reducer → transaction path as everything Stripe tells us.
 */
export const REVIEW_APPROVED = 'settled.review_approved';

interface ReviewApprovedPayload {
  readonly id: string;
  readonly object: 'event';
  readonly type: typeof REVIEW_APPROVED;
  /** Unix seconds, like Stripe's events. */
  readonly created: number;
  readonly data: { readonly object: { readonly order_id: string; readonly operator: string; readonly note: string } };
}

export function reviewApprovedEvent(input: { orderId: string; operator: string; note: string; now: number; nonce: string }): NewInboxEvent {
  const id = `op_review_${input.orderId}_${input.nonce}`;
  const payload: ReviewApprovedPayload = {
    id,
    object: 'event',
    type: REVIEW_APPROVED,
    created: Math.floor(input.now / 1000),
    data: { object: { order_id: input.orderId, operator: input.operator, note: input.note } },
  };
  return { id, type: REVIEW_APPROVED, payload: JSON.stringify(payload), source: 'operator', receivedAt: input.now };
}

/**
 * The facts of an operator event, or undefined for anything else. Only events the dashboard itself put in
 * the inbox count: a signed webhook can never carry an operator's approval.
 */
export function operatorEventToFacts(event: Pick<InboxEvent, 'type' | 'source' | 'payload'>): FactMapping | undefined {
  if (!event.type.startsWith('settled.')) return undefined;
  if (event.source !== 'operator') return { kind: 'ignored', reason: `${event.type} is accepted only from the operator dashboard` };
  if (event.type !== REVIEW_APPROVED) return { kind: 'ignored', reason: `settled does not know the operator event ${event.type}` };
  const payload = JSON.parse(event.payload) as ReviewApprovedPayload;
  const { order_id: orderId, operator, note } = payload.data.object;
  return {
    kind: 'facts',
    hints: { orderId, checkoutSessionId: null, paymentIntentId: null, chargeId: null },
    // One approval per order: approving twice states the same fact.
    facts: [{ kind: 'review_approved', key: `review_approved:${orderId}`, at: payload.created * 1000, operator, note }],
  };
}
