import type { Selectable } from 'kysely';
import type { Fact } from '../domain/order-facts.js';
import type { EntitlementState, OrderDerived, OrderLine, OrderStatus, OrderTerms } from '../domain/order.js';
import type { Database, OrdersTable, StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import { OrderConflictError, OrderNotFoundError, isUniqueViolation } from './errors.js';
import type { OrderRecord, OrderRepository, StoredFact } from './types.js';
import type { Kysely, Transaction } from 'kysely';

/** The derived state of an order nothing has happened to yet (what the reducer gives for no facts). */
export const INITIAL_DERIVED: OrderDerived = {
  status: 'pending',
  amountRefunded: 0,
  paidAt: null,
  reviewReason: null,
  fulfill: false,
  entitlement: 'none',
};

export function toOrderRecord(row: Selectable<OrdersTable>): OrderRecord {
  return {
    id: row.id,
    lines: JSON.parse(row.lines) as OrderLine[],
    total: { amount: toNumber(row.total_amount), currency: row.currency },
    orderRef: row.order_ref,
    email: row.email,
    flow: row.flow as OrderTerms['flow'],
    checkoutSessionId: row.checkout_session_id,
    paymentIntentId: row.payment_intent_id,
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
    ...toDerived(row),
    accessToken: row.access_token,
    fulfilledAt: toNullableNumber(row.fulfilled_at),
  };
}

export function toDerived(row: Selectable<OrdersTable>): OrderDerived {
  return {
    status: row.status as OrderStatus,
    amountRefunded: toNumber(row.amount_refunded),
    paidAt: toNullableNumber(row.paid_at),
    reviewReason: row.review_reason,
    fulfill: toNumber(row.fulfill) === 1,
    entitlement: row.entitlement as EntitlementState,
  };
}

export function toTerms(record: OrderRecord): OrderTerms {
  const { id, lines, total, orderRef, email, flow, checkoutSessionId, paymentIntentId, createdAt } = record;
  return { id, lines, total, orderRef, email, flow, checkoutSessionId, paymentIntentId, createdAt };
}

export async function loadFacts(db: Kysely<Database> | Transaction<Database>, orderId: string): Promise<StoredFact[]> {
  const rows = await db
    .selectFrom('order_facts')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('recorded_at')
    .orderBy('fact_key')
    .execute();
  return rows.map((row) => ({ fact: JSON.parse(row.fact) as Fact, eventId: row.event_id, recordedAt: toNumber(row.recorded_at) }));
}

export function orderRepository({ db }: StoreContext): OrderRepository {
  const findBy = async (column: 'id' | 'checkout_session_id' | 'payment_intent_id' | 'access_token', value: string) => {
    const row = await db.selectFrom('orders').selectAll().where(column, '=', value).executeTakeFirst();
    return row === undefined ? undefined : toOrderRecord(row);
  };

  const attach = async (orderId: string, column: 'checkout_session_id' | 'payment_intent_id', value: string) => {
    try {
      const result = await db
        .updateTable('orders')
        .set({ [column]: value })
        .where('id', '=', orderId)
        .where((eb) => eb.or([eb(column, 'is', null), eb(column, '=', value)]))
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return;
    } catch (error) {
      if (isUniqueViolation(error)) throw new OrderConflictError(orderId, `${value} already belongs to another order.`);
      throw error;
    }
    const existing = await findBy('id', orderId);
    if (existing === undefined) throw new OrderNotFoundError(orderId);
    throw new OrderConflictError(orderId, `already has ${column} ${existing[column === 'checkout_session_id' ? 'checkoutSessionId' : 'paymentIntentId']}; refusing to replace it with ${value}.`);
  };

  return {
    async create(terms) {
      try {
        await db
          .insertInto('orders')
          .values({
            id: terms.id,
            lines: JSON.stringify(terms.lines),
            total_amount: terms.total.amount,
            currency: terms.total.currency,
            order_ref: terms.orderRef,
            email: terms.email,
            flow: terms.flow,
            checkout_session_id: terms.checkoutSessionId,
            payment_intent_id: terms.paymentIntentId,
            created_at: terms.createdAt,
            updated_at: terms.createdAt,
            status: INITIAL_DERIVED.status,
            amount_refunded: INITIAL_DERIVED.amountRefunded,
            paid_at: INITIAL_DERIVED.paidAt,
            review_reason: INITIAL_DERIVED.reviewReason,
            fulfill: 0,
            entitlement: INITIAL_DERIVED.entitlement,
            access_token: null,
            fulfilled_at: null,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new OrderConflictError(terms.id, 'an order with this id or Stripe object already exists.');
        throw error;
      }
    },
    get: (id) => findBy('id', id),

    async getMany(ids) {
      const found = new Map<string, OrderRecord>();
      if (ids.length === 0) return found;
      const rows = await db.selectFrom('orders').selectAll().where('id', 'in', [...new Set(ids)]).execute();
      for (const row of rows) found.set(row.id, toOrderRecord(row));
      return found;
    },
    findByCheckoutSession: (sessionId) => findBy('checkout_session_id', sessionId),
    findByPaymentIntent: (paymentIntentId) => findBy('payment_intent_id', paymentIntentId),
    findByAccessToken: (token) => findBy('access_token', token),
    attachCheckoutSession: (orderId, sessionId) => attach(orderId, 'checkout_session_id', sessionId),
    attachPaymentIntent: (orderId, paymentIntentId) => attach(orderId, 'payment_intent_id', paymentIntentId),

    async list({ status, search, limit }) {
      const pattern = search === undefined || search === '' ? undefined : `%${search.toLowerCase()}%`;
      const rows = await db
        .selectFrom('orders')
        .selectAll()
        .$if(status !== undefined, (q) => q.where('status', '=', status as string))
        .$if(pattern !== undefined, (q) =>
          q.where((eb) =>
            eb.or(
              (['id', 'email', 'checkout_session_id', 'payment_intent_id'] as const).map((column) =>
                eb(eb.fn('lower', [eb.ref(column)]), 'like', eb.val(pattern as string)),
              ),
            ),
          ),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toOrderRecord);
    },

    async countByStatus() {
      const rows = await db
        .selectFrom('orders')
        .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.status, toNumber(row.count)]));
    },

    facts: (orderId) => loadFacts(db, orderId),
  };
}
