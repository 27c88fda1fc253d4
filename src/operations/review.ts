import { randomBytes } from 'node:crypto';
import type { Store } from '../store/types.js';
import { reviewApprovedEvent } from '../worker/operator-events.js';

export interface ApproveDeps {
  readonly store: Pick<Store, 'orders' | 'inbox'>;
  readonly now: () => number;
  /** Something new is in the inbox: wake the worker. */
  readonly notifyWorker: () => void;
}

export type ApproveOutcome =
  | { readonly kind: 'queued'; readonly eventId: string }
  | { readonly kind: 'refused'; readonly code: 'order_not_found' | 'not_in_review'; readonly message: string };

const NOTE_MAX_CHARACTERS = 500;

/**
 * An operator approves an order held for review. The approval is an event in the inbox, applied by the worker like
 * any other, so the order changes in one place only (the reducer) and the approval is in its timeline.
 */
export async function approveReview(deps: ApproveDeps, input: { readonly orderId: string; readonly operator: string; readonly note?: string | undefined }): Promise<ApproveOutcome> {
  const order = await deps.store.orders.get(input.orderId);
  if (order === undefined) return { kind: 'refused', code: 'order_not_found', message: `No order ${input.orderId}.` };
  if (order.status !== 'needs_review') return { kind: 'refused', code: 'not_in_review', message: `Order ${order.id} is ${order.status}, not waiting for review.` };
  const note = (input.note ?? '').trim().slice(0, NOTE_MAX_CHARACTERS);
  const event = reviewApprovedEvent({ orderId: order.id, operator: input.operator, note, now: deps.now(), nonce: randomBytes(6).toString('hex') });
  await deps.store.inbox.add([event]);
  deps.notifyWorker();
  return { kind: 'queued', eventId: event.id };
}
