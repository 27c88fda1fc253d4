import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Fact } from '../domain/order-facts.js';
import type { OrderDerived, OrderTerms } from '../domain/order.js';
import { accessTokenAfter, noticesFor, statusNoticeFor } from '../domain/order-notices.js';
import { knownPaymentIntent } from '../domain/refund-policy.js';
import type { FulfillmentsTable, OrderFactsTable, OrdersTable, OutboxTable } from './database.js';
import { toOrderRecord, toTerms } from './orders.js';
import type { ApplyFactsResult, OrderRecord } from './types.js';
import type { StatusNotices } from './apply-types.js';

/** What an order is when a batch reads it: the facts and fulfillment the plan builds on. */
export interface OrderState {
  readonly record: OrderRecord;
  readonly facts: readonly Fact[];
  readonly fulfilled: boolean;
}

export interface PlannedApplication {
  readonly index: number;
  readonly eventId: string;
  readonly facts: readonly Fact[];
  readonly newAccessToken: string;
  readonly now: number;
}

/** What one order's applications write, decided from its state before them: their sum, applied one after another. */
export interface OrderPlan {
  readonly orderId: string;
  /** The state the plan was made from; the write is refused if the order no longer is what it was. */
  readonly from: OrderState;
  readonly after: OrderRecord;
  readonly factRows: readonly Insertable<OrderFactsTable>[];
  readonly fulfillment: Insertable<FulfillmentsTable> | undefined;
  readonly outboxRows: readonly Insertable<OutboxTable>[];
  readonly results: ReadonlyMap<number, { readonly result: ApplyFactsResult } | { readonly error: unknown }>;
}

export function stateOf(row: Selectable<OrdersTable>, facts: readonly Fact[], fulfilled: boolean): OrderState {
  return { record: toOrderRecord(row), facts, fulfilled };
}

type Decide = (terms: OrderTerms, facts: readonly Fact[]) => OrderDerived;

/**
 * The order's applications in the order given, each seeing the ones before it, computed in memory: the same
 * rules applyFacts always had (facts unique by key, the reducer over the whole set, one fulfillment per order, the
 * access token set once, notices for what changed), with nothing read in between.
 */
export function planOrder(state: OrderState, applications: readonly PlannedApplication[], decide: Decide, statusNotices: StatusNotices): OrderPlan {
  let current = state.record;
  let fulfilled = state.fulfilled;
  const facts = [...state.facts];
  const keys = new Set(facts.map((fact) => fact.key));
  const factRows: Insertable<OrderFactsTable>[] = [];
  const outboxRows: Insertable<OutboxTable>[] = [];
  const noticeKeys = new Set<string>();
  let fulfillment: OrderPlan['fulfillment'];
  const results = new Map<number, { result: ApplyFactsResult } | { error: unknown }>();
  for (const application of applications) {
    const wrong = application.facts.find((fact) => fact.orderId !== current.id);
    if (wrong) {
      results.set(application.index, { error: new Error(`Fact ${wrong.key} is about order ${wrong.orderId}, not ${current.id}; apply facts to the order they name.`) });
      continue;
    }
    let newFacts = 0;
    for (const fact of application.facts) {
      if (keys.has(fact.key)) continue;
      keys.add(fact.key);
      facts.push(fact);
      newFacts += 1;
      factRows.push({ order_id: current.id, fact_key: fact.key, kind: fact.kind, fact: JSON.stringify(fact), event_id: application.eventId, recorded_at: application.now });
    }
    const before: OrderDerived = pickDerived(current);
    const after = decide(toTerms(current), facts);
    const fulfilledNow = after.fulfill && !fulfilled;
    if (fulfilledNow) {
      fulfilled = true;
      fulfillment = { order_id: current.id, event_id: application.eventId, fulfilled_at: application.now };
    }
    const accessToken = accessTokenAfter(current.accessToken, after, application.newAccessToken);
    const fulfilledAt = fulfilledNow ? application.now : current.fulfilledAt;
    const record: OrderRecord = { ...current, ...after, accessToken, fulfilledAt, updatedAt: application.now };
    const terms = toTerms(current);
    const paymentIntentId = knownPaymentIntent(current, facts.map((fact) => ({ fact })));
    const change = { terms, paymentIntentId, before, after, fulfilledNow, eventId: application.eventId, now: application.now };
    const statusNotice = statusNoticeFor(change);
    const notices = [...noticesFor(change), ...(statusNotice ? [statusNotice] : [])];
    for (const notice of notices) {
      const key = `${notice.kind}\u0000${notice.dedupeKey}`;
      if (noticeKeys.has(key)) continue;
      noticeKeys.add(key);
      const recorded = statusNotices === 'record' && notice === statusNotice;
      outboxRows.push({
        order_id: current.id,
        kind: notice.kind,
        dedupe_key: notice.dedupeKey,
        payload: JSON.stringify(notice.payload),
        run_at: application.now,
        created_at: application.now,
        status: recorded ? 'delivered' : 'pending',
        delivered_at: recorded ? application.now : null,
      });
    }
    results.set(application.index, { result: { before, after: record, fulfilledNow, newFacts } });
    current = record;
  }
  return { orderId: state.record.id, from: state, after: current, factRows, fulfillment, outboxRows, results };
}

function pickDerived(record: OrderRecord): OrderDerived {
  const { status, amountRefunded, paidAt, reviewReason, fulfill, entitlement } = record;
  return { status, amountRefunded, paidAt, reviewReason, fulfill, entitlement };
}

/** The derived columns of an order row, as the plan leaves them. */
export function orderColumns(record: OrderRecord): Updateable<OrdersTable> {
  return {
    status: record.status,
    amount_refunded: record.amountRefunded,
    paid_at: record.paidAt,
    review_reason: record.reviewReason,
    fulfill: record.fulfill ? 1 : 0,
    entitlement: record.entitlement,
    access_token: record.accessToken,
    fulfilled_at: record.fulfilledAt,
    updated_at: record.updatedAt,
  };
}
