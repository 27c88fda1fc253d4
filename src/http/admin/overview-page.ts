import { ORDER_STATUSES } from '../../domain/order.js';
import type { Store } from '../../store/types.js';
import { statusPill } from '../html.js';
import { bucketize, paymentsChart } from './chart.js';
import { adminPage, noticeBlock, type Notice } from './views.js';

const FAILED_TYPES = new Set(['payment_intent.payment_failed', 'checkout.session.async_payment_failed']);
const HOUR_MS = 3600_000;
const hourLabel = (startsAt: number): string => new Date(startsAt).toISOString().slice(11, 16);

/** Counts, inbox lag and the payments chart: is anything wrong right now? */
export async function overviewPage(options: { store: Store; now: () => number }, csrfToken: string, flash: Notice | undefined): Promise<string> {
  const { store } = options;
  const now = options.now();
  const orders = await store.orders.list({ limit: 1000 });
  const stats = await store.inbox.stats();
  const recent = await store.inbox.list({ limit: 1000 });
  const byStatus = new Map<string, number>();
  for (const order of orders) byStatus.set(order.status, (byStatus.get(order.status) ?? 0) + 1);
  const payments = orders.flatMap((order) => (order.paidAt === null ? [] : [order.paidAt]));
  const failures = recent.filter((event) => event.status === 'processed' && FAILED_TYPES.has(event.type)).map((event) => event.receivedAt);
  const buckets = bucketize({ payments, failures, now, bucketMs: HOUR_MS, count: 24 });
  const lagSeconds = stats.oldestPendingAt === null ? 0 : Math.max(0, Math.round((now - stats.oldestPendingAt) / 1000));
  const stat = (value: string, label: string, href?: string): string =>
    `<div class="card stat"><div class="value">${href ? `<a href="${href}">${value}</a>` : value}</div><div class="label">${label}</div></div>`;
  const statusRows = ORDER_STATUSES.filter((status) => byStatus.has(status))
    .map((status) => `<tr><td><a href="/admin/orders?status=${status}">${statusPill(status)}</a></td><td class="num">${byStatus.get(status)}</td></tr>`)
    .join('');
  const review = byStatus.get('needs_review') ?? 0;
  return adminPage(
    'Overview',
    `<h1>Overview</h1>
${noticeBlock(flash)}
<div class="stats">
${stat(String(orders.length === 1000 ? '1000+' : orders.length), 'orders')}
${stat(String(byStatus.get('paid') ?? 0), 'paid', '/admin/orders?status=paid')}
${stat(String(review), 'need review', '/admin/orders?status=needs_review')}
${stat(String(stats.counts.dead), 'dead letters', '/admin/events#dead')}
${stat(`${stats.counts.pending + stats.counts.processing}`, 'events waiting')}
${stat(`${lagSeconds} s`, 'inbox lag (oldest waiting event)')}
</div>
<section class="card chart" aria-labelledby="chart-heading"><h2 id="chart-heading">Payments and failures per hour (UTC)</h2>
<div class="hide-phone"><p class="muted">Last 24 hours</p>${paymentsChart(buckets, hourLabel)}</div>
<div class="narrow-only"><p class="muted">Last 8 hours</p>${paymentsChart(buckets.slice(-8), hourLabel, 360)}</div></section>
<h2>Orders by status</h2>
${statusRows ? `<div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col" class="num">Orders</th></tr></thead><tbody>${statusRows}</tbody></table></div>` : '<p class="muted">No orders yet.</p>'}`,
    { section: 'overview', csrfToken },
  );
}
