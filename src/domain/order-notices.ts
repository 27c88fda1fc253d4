import type { OrderDerived, OrderLine, OrderStatus, OrderTerms } from './order.js';

export const NOTICE_KINDS = ['order.fulfilled', 'entitlement.revoked', 'entitlement.restored'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** A notice to queue in the outbox: what the shop's handler is told when an order changes. */
export interface PlannedNotice {
  readonly kind: NoticeKind;
  /** Unique per order and kind in the outbox: the same change recorded twice queues one notice. */
  readonly dedupeKey: string;
  readonly payload: NoticePayload;
}

export interface NoticePayload {
  readonly kind: NoticeKind;
  readonly orderId: string;
  readonly eventId: string;
  readonly status: string;
  readonly entitlement: string;
  readonly email: string | null;
  readonly at: number;
  /** The whole order as it stood after the change: what a shop fulfilling by itself needs. */
  readonly order: NotifiedOrder;
}

export interface OrderChange {
  readonly terms: OrderTerms;
  /** The PaymentIntent that paid (on a Checkout order, the one its session created), once known. */
  readonly paymentIntentId: string | null;
  readonly before: OrderDerived;
  readonly after: OrderDerived;
  /** Whether this change is the one that fulfilled the order (decided by the fulfillment row's insert). */
  readonly fulfilledNow: boolean;
  /** The event that caused the change. */
  readonly eventId: string;
  readonly now: number;
}

// A fulfillment happens once per order; entitlement changes once per event that caused them.
const FULFILLED_ONCE = 'once';

/** What to tell the shop about an order's change, in order: fulfilled, then revoked or restored. */
export function noticesFor(change: OrderChange): PlannedNotice[] {
  const { before, after, fulfilledNow } = change;
  const kinds: NoticeKind[] = [];
  if (fulfilledNow) kinds.push('order.fulfilled');
  const wasActive = before.entitlement === 'active';
  // Fulfilled and revoked at once (the payment and its dispute arrived together) still tells consumers to revoke.
  if ((wasActive || fulfilledNow) && after.entitlement === 'revoked') kinds.push('entitlement.revoked');
  if (!wasActive && after.entitlement === 'active' && !fulfilledNow && before.entitlement === 'revoked') kinds.push('entitlement.restored');
  const { terms } = change;
  const order = notifiedOrder(terms, after, change.paymentIntentId);
  return kinds.map((kind) => ({
    kind,
    dedupeKey: kind === 'order.fulfilled' ? FULFILLED_ONCE : change.eventId,
    payload: { kind, orderId: terms.id, eventId: change.eventId, status: after.status, entitlement: after.entitlement, email: terms.email, at: change.now, order },
  }));
}

/**
 * The key the shop's handler deduplicates a notice by, stable across redeliveries: the order id for its fulfillment
 * (once per order, ever), the notice's own id for the others (an entitlement may be revoked and restored again).
 */
export function noticeIdempotencyKey(notice: { readonly orderId: string; readonly kind: string; readonly id: number }): string {
  return notice.kind === 'order.fulfilled' ? notice.orderId : `${notice.orderId}:${notice.kind}:${notice.id}`;
}

/** The buyer's access link exists from fulfillment on, even if a dispute already revokes what it serves; it never changes. */
export function accessTokenAfter(current: string | null, after: Pick<OrderDerived, 'fulfill'>, fresh: string): string | null {
  return current ?? (after.fulfill ? fresh : null);
}

/** The outbox kind of the notifications sent to the shop's backend (and pulled from GET /api/v1/events). */
export const STATUS_NOTICE_KIND = 'order.status_changed';

/** The order as a notification carries it: what it was sold as, what it is now, and its Stripe objects. */
export interface NotifiedOrder {
  readonly id: string;
  readonly status: string;
  readonly email: string | null;
  readonly lines: readonly OrderLine[];
  readonly amountTotal: number;
  readonly currency: string;
  readonly amountRefunded: number;
  readonly reviewReason: string | null;
  /** Unix milliseconds. */
  readonly createdAt: number;
  readonly paidAt: number | null;
  readonly checkoutSessionId: string | null;
  readonly paymentIntentId: string | null;
}

export interface StatusNoticePayload {
  /** `order.<status>`: order.paid, order.refunded, order.disputed, … */
  readonly type: `order.${OrderStatus}`;
  readonly previousStatus: OrderStatus;
  readonly eventId: string;
  /** Unix milliseconds of the change. */
  readonly at: number;
  readonly order: NotifiedOrder;
}

export interface StatusNotice {
  readonly kind: typeof STATUS_NOTICE_KIND;
  /** One per status an event moved the order to: the same event applied again queues nothing new. */
  readonly dedupeKey: string;
  readonly payload: StatusNoticePayload;
}

/**
 * The order as the shop is told it (notifications, the sidecar API, onFulfilled and onEntitlementChanged): its terms
 * and what its facts made it; `paymentIntentId` the one that paid when the facts know it (a Checkout order's).
 */
export function notifiedOrder(terms: OrderTerms, derived: OrderDerived, paymentIntentId: string | null = terms.paymentIntentId): NotifiedOrder {
  return {
    id: terms.id,
    status: derived.status,
    email: terms.email,
    lines: terms.lines,
    amountTotal: terms.total.amount,
    currency: terms.total.currency,
    amountRefunded: derived.amountRefunded,
    reviewReason: derived.reviewReason,
    createdAt: terms.createdAt,
    paidAt: derived.paidAt,
    checkoutSessionId: terms.checkoutSessionId,
    paymentIntentId,
  };
}

/** The notification for a change of the order's status, or none when the status stayed what it was. */
export function statusNoticeFor(change: OrderChange): StatusNotice | undefined {
  const { before, after, terms } = change;
  if (before.status === after.status) return undefined;
  return {
    kind: STATUS_NOTICE_KIND,
    dedupeKey: `${change.eventId}:${after.status}`,
    payload: {
      type: `order.${after.status}`,
      previousStatus: before.status,
      eventId: change.eventId,
      at: change.now,
      order: notifiedOrder(terms, after, change.paymentIntentId),
    },
  };
}

/** A notification as the shop's backend receives it, pushed (signed POST) or pulled (GET /api/v1/events) alike. */
export interface NotificationBody {
  /** Stable: the same on every retry and in the pull API; deduplicate by it. */
  readonly id: string;
  readonly type: StatusNoticePayload['type'];
  /** Unix seconds of the change, as Stripe's `created`. */
  readonly created: number;
  readonly previousStatus: OrderStatus;
  readonly data: { readonly order: NotifiedOrder };
}

export function notificationBody(outboxId: number, payload: StatusNoticePayload): NotificationBody {
  return {
    id: `ntf_${outboxId}`,
    type: payload.type,
    created: Math.floor(payload.at / 1000),
    previousStatus: payload.previousStatus,
    data: { order: payload.order },
  };
}
