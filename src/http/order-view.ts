import type { OrderRecord } from '../store/types.js';

export interface OrderView {
  id: string;
  status: string;
  amountTotal: number;
  currency: string;
  items: { sku: string; name: string; quantity: number; unitAmount: number }[];
  amountRefunded: number;
  createdAt: string;
  paidAt: string | null;
  reviewReason: string | null;
  accessUrl?: string;
}

const ENTITLED = new Set(['paid', 'partially_refunded']);

/** What a buyer may see of an order: its status and totals, never Stripe ids or internal state. */
export function orderView(order: OrderRecord, publicUrl: string): OrderView {
  const view: OrderView = {
    id: order.id,
    status: order.status,
    amountTotal: order.total.amount,
    currency: order.total.currency,
    items: order.lines.map((line) => ({ sku: line.sku, name: line.name, quantity: line.quantity, unitAmount: line.unitAmount })),
    amountRefunded: order.amountRefunded,
    createdAt: new Date(order.createdAt).toISOString(),
    paidAt: order.paidAt === null ? null : new Date(order.paidAt).toISOString(),
    reviewReason: order.reviewReason,
  };
  if (order.accessToken && ENTITLED.has(order.status)) view.accessUrl = `${publicUrl}/access/${order.accessToken}`;
  return view;
}
