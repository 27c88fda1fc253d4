import { CompiledQuery } from 'kysely';
import type { Insertable } from 'kysely';
import type { FulfillmentsTable, OrderFactsTable, OutboxTable } from '../database.js';
import type { OrderRecord } from '../types.js';
import type { GuardedQuery } from '../writes.js';

/*
 * A worker batch's writes on SQLite, one order at a time, as fixed SQL texts: the write thread prepares each once,
 * and nothing is built per event (building these through the query builder cost more CPU than running them).
 * `is` compares like `=` but holds for null too, so one text serves an order with or without a token.
 */
const UPDATE_ORDER_IF_UNCHANGED = `update orders set status = ?, amount_refunded = ?, paid_at = ?, review_reason = ?, fulfill = ?, entitlement = ?,
  access_token = ?, fulfilled_at = ?, updated_at = ?
  where id = ? and access_token is ? and checkout_session_id is ? and payment_intent_id is ?
    and (select count(*) from order_facts where order_id = ?) = ? and (select count(*) from fulfillments where order_id = ?) = ?`;
const INSERT_FACT = 'insert into order_facts (order_id, fact_key, kind, fact, event_id, recorded_at) values (?, ?, ?, ?, ?, ?) on conflict (order_id, fact_key) do nothing';
const INSERT_FULFILLMENT = 'insert into fulfillments (order_id, event_id, fulfilled_at) values (?, ?, ?) on conflict (order_id) do nothing';
const INSERT_NOTICE = 'insert into outbox (order_id, kind, dedupe_key, payload, run_at, created_at, status, delivered_at) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (order_id, kind, dedupe_key) do nothing';

export interface GuardedOrderWrite {
  readonly after: OrderRecord;
  readonly from: { readonly record: OrderRecord; readonly factCount: number; readonly fulfilled: boolean };
  readonly factRows: readonly Insertable<OrderFactsTable>[];
  readonly fulfillment: Insertable<FulfillmentsTable> | undefined;
  readonly outboxRows: readonly Insertable<OutboxTable>[];
}

/** The order's row (refused unless it is as the plan read it), then its new facts, fulfillment and notices. */
export function guardedOrderWrite({ after, from, factRows, fulfillment, outboxRows }: GuardedOrderWrite): GuardedQuery[] {
  const id = after.id;
  const statements: GuardedQuery[] = [
    {
      query: CompiledQuery.raw(UPDATE_ORDER_IF_UNCHANGED, [
        after.status,
        after.amountRefunded,
        after.paidAt,
        after.reviewReason,
        after.fulfill ? 1 : 0,
        after.entitlement,
        after.accessToken,
        after.fulfilledAt,
        after.updatedAt,
        id,
        from.record.accessToken,
        from.record.checkoutSessionId,
        from.record.paymentIntentId,
        id,
        from.factCount,
        id,
        from.fulfilled ? 1 : 0,
      ]),
      expectChanges: 1,
    },
  ];
  for (const f of factRows) statements.push({ query: CompiledQuery.raw(INSERT_FACT, [f.order_id, f.fact_key, f.kind, f.fact, f.event_id, f.recorded_at]) });
  if (fulfillment) statements.push({ query: CompiledQuery.raw(INSERT_FULFILLMENT, [fulfillment.order_id, fulfillment.event_id, fulfillment.fulfilled_at]) });
  for (const n of outboxRows) statements.push({ query: CompiledQuery.raw(INSERT_NOTICE, [n.order_id, n.kind, n.dedupe_key, n.payload, n.run_at, n.created_at, n.status ?? 'pending', n.delivered_at ?? null]) });
  return statements;
}
