import type { Transaction } from 'kysely';
import type { Fact } from '../domain/order-facts.js';
import { accessTokenAfter, noticesFor, statusNoticeFor } from '../domain/order-notices.js';
import { knownPaymentIntent } from '../domain/refund-policy.js';
import type { Database, StoreContext } from './database.js';
import { OrderNotFoundError } from './errors.js';
import { loadFacts, toDerived, toOrderRecord, toTerms } from './orders.js';
import type { ApplyFactsInput, ApplyFactsResult, OrderRecord } from './types.js';

export function applyFacts({ db, dialect }: StoreContext): (input: ApplyFactsInput) => Promise<ApplyFactsResult> {
  return (input) =>
    db.transaction().execute(async (trx) => {
      // PostgreSQL: the row lock serialises applications to one order. SQLite: the transaction is already
      // BEGIN IMMEDIATE, which holds the database write lock from its first statement.
      const row = await trx
        .selectFrom('orders')
        .selectAll()
        .where('id', '=', input.orderId)
        .$if(dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (row === undefined) throw new OrderNotFoundError(input.orderId);
      const current = toOrderRecord(row);
      const before = toDerived(row);

      const newFacts = await insertFacts(trx, input);
      const stored = await loadFacts(trx, input.orderId);
      const facts = stored.map((entry) => entry.fact);
      const after = input.decide(toTerms(current), facts);

      const fulfilledNow = after.fulfill && (await insertFulfillment(trx, input));
      const accessToken = accessTokenAfter(current.accessToken, after, input.newAccessToken);
      const fulfilledAt = fulfilledNow ? input.now : current.fulfilledAt;
      await trx
        .updateTable('orders')
        .set({
          status: after.status,
          amount_refunded: after.amountRefunded,
          paid_at: after.paidAt,
          review_reason: after.reviewReason,
          fulfill: after.fulfill ? 1 : 0,
          entitlement: after.entitlement,
          access_token: accessToken,
          fulfilled_at: fulfilledAt,
          updated_at: input.now,
        })
        .where('id', '=', input.orderId)
        .execute();

      const record: OrderRecord = { ...current, ...after, accessToken, fulfilledAt, updatedAt: input.now };
      const change = { terms: toTerms(current), paymentIntentId: knownPaymentIntent(current, stored), before, after, fulfilledNow, eventId: input.eventId, now: input.now };
      const statusNotice = statusNoticeFor(change);
      await queueNotices(trx, input, [...noticesFor(change), ...(statusNotice ? [statusNotice] : [])]);
      return { before, after: record, fulfilledNow, newFacts };
    });
}

async function insertFacts(trx: Transaction<Database>, input: ApplyFactsInput): Promise<number> {
  const unique = new Map<string, Fact>();
  for (const fact of input.facts) {
    if (fact.orderId !== input.orderId) {
      throw new Error(`Fact ${fact.key} is about order ${fact.orderId}, not ${input.orderId}; apply facts to the order they name.`);
    }
    if (!unique.has(fact.key)) unique.set(fact.key, fact);
  }
  if (unique.size === 0) return 0;
  const inserted = await trx
    .insertInto('order_facts')
    .values([...unique.values()].map((fact) => ({
      order_id: input.orderId,
      fact_key: fact.key,
      kind: fact.kind,
      fact: JSON.stringify(fact),
      event_id: input.eventId,
      recorded_at: input.now,
    })))
    .onConflict((oc) => oc.columns(['order_id', 'fact_key']).doNothing())
    .returning('fact_key')
    .execute();
  return inserted.length;
}

/** Whether this application is the one that fulfilled the order: decided by the insert, never by a prior read. */
async function insertFulfillment(trx: Transaction<Database>, input: ApplyFactsInput): Promise<boolean> {
  const inserted = await trx
    .insertInto('fulfillments')
    .values({ order_id: input.orderId, event_id: input.eventId, fulfilled_at: input.now })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .returning('order_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

async function queueNotices(trx: Transaction<Database>, input: ApplyFactsInput, notices: readonly { readonly kind: string; readonly dedupeKey: string; readonly payload: unknown }[]): Promise<void> {
  if (notices.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(notices.map((notice) => ({
      order_id: input.orderId,
      kind: notice.kind,
      dedupe_key: notice.dedupeKey,
      payload: JSON.stringify(notice.payload),
      run_at: input.now,
      created_at: input.now,
    })))
    .onConflict((oc) => oc.columns(['order_id', 'kind', 'dedupe_key']).doNothing())
    .execute();
}
