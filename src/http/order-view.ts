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

/**
 * What a buyer may see of an order: its status and totals, never Stripe ids or internal state; `accessUrl` is the
 * access link (operations/access.ts decides whether there is one).
 */
export function orderView(order: OrderRecord, accessUrl: string | undefined): OrderView {
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
  if (accessUrl !== undefined) view.accessUrl = accessUrl;
  return view;
}
