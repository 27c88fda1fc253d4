import type { InboxEvent, OutboxMessage, StoredFact } from '../store/types.js';
import type { OrderDetail } from './order-detail.js';

/** One thing that happened to an order, at the time it happened. */
export type TimelineEntry =
  | { readonly kind: 'created'; readonly at: number }
  | { readonly kind: 'event'; readonly at: number; readonly event: InboxEvent }
  | { readonly kind: 'fact'; readonly at: number; readonly fact: StoredFact }
  | { readonly kind: 'fulfilled'; readonly at: number }
  | { readonly kind: 'notice'; readonly at: number; readonly notice: OutboxMessage };

/** What happened to the order, oldest first: the events that reached it, the facts they taught it, its notices. */
export function orderTimeline(detail: OrderDetail): TimelineEntry[] {
  const { order } = detail;
  const entries: TimelineEntry[] = [{ kind: 'created', at: order.createdAt }];
  for (const event of detail.events) entries.push({ kind: 'event', at: event.receivedAt, event });
  for (const fact of detail.facts) entries.push({ kind: 'fact', at: fact.recordedAt, fact });
  if (order.fulfilledAt !== null) entries.push({ kind: 'fulfilled', at: order.fulfilledAt });
  for (const notice of detail.notices) entries.push({ kind: 'notice', at: notice.createdAt, notice });
  // Stable: what happened in the same millisecond keeps the order above (created, events, facts, fulfilment).
  return entries.sort((a, b) => a.at - b.at);
}
