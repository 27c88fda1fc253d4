import { ORDER_STATUSES, type OrderStatus } from '../domain/order.js';
import type { OrderRecord, Store } from '../store/types.js';

/** Longer search text matches nothing an id or an email could, and only costs the database. */
const SEARCH_MAX_CHARACTERS = 200;

export interface OrderQuery {
  /** Anything but a known status means every status. */
  readonly status?: string | undefined;
  /** Matches the order id, email, Checkout Session or PaymentIntent id; blank means no search. */
  readonly search?: string | undefined;
  readonly limit: number;
}

export interface OrderList {
  readonly orders: readonly OrderRecord[];
  readonly status: OrderStatus | undefined;
  readonly search: string | undefined;
  /** As many as the limit: there may be more. */
  readonly full: boolean;
}

/** Lists and searches orders, newest first, for the dashboard and `settled orders list` alike. */
export async function findOrders(store: Pick<Store, 'orders'>, query: OrderQuery): Promise<OrderList> {
  const status = ORDER_STATUSES.find((known) => known === query.status);
  const search = (query.search ?? '').trim().slice(0, SEARCH_MAX_CHARACTERS) || undefined;
  const orders = await store.orders.list({ status, search, limit: query.limit });
  return { orders, status, search, full: orders.length >= query.limit };
}
