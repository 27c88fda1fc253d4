import { ORDER_STATUSES } from '../../domain/order.js';
import type { Overview } from '../../operations/overview.js';
import { statusPill } from '../html.js';
import { bucketize, paymentsChart } from './chart.js';
import { adminPage, noticeBlock, type Notice } from './views.js';

const HOUR_MS = 3600_000;
const hourLabel = (startsAt: number): string => new Date(startsAt).toISOString().slice(11, 16);

/** Counts, inbox lag and the payments chart: is anything wrong right now? */
export function overviewPage(overview: Overview, now: number, csrfToken: string, flash: Notice | undefined): string {
  const { byStatus } = overview;
  const buckets = bucketize({ payments: overview.payments, failures: overview.failures, now, bucketMs: HOUR_MS, count: 24 });
  const stat = (value: string, label: string, href?: string): string =>
    `<div class="card stat"><div class="value">${href ? `<a href="${href}">${value}</a>` : value}</div><div class="label">${label}</div></div>`;
  const statusRows = ORDER_STATUSES.filter((status) => (byStatus[status] ?? 0) > 0)
    .map((status) => `<tr><td><a href="/admin/orders?status=${status}">${statusPill(status)}</a></td><td class="num">${byStatus[status]}</td></tr>`)
    .join('');
  const review = byStatus.needs_review ?? 0;
  return adminPage(
    'Overview',
    `<h1>Overview</h1>
${noticeBlock(flash)}
<div class="stats">
${stat(String(overview.orders), 'orders')}
${stat(String(byStatus.paid ?? 0), 'paid', '/admin/orders?status=paid')}
${stat(String(review), 'need review', '/admin/orders?status=needs_review')}
${stat(String(overview.deadLetters), 'dead letters', '/admin/events#dead')}
${stat(String(overview.eventsWaiting), 'events waiting')}
${stat(`${overview.lagSeconds} s`, 'inbox lag (oldest waiting event)')}
</div>
<section class="card chart" aria-labelledby="chart-heading"><h2 id="chart-heading">Payments and failures per hour (UTC)</h2>
<div class="hide-phone"><p class="muted">Last 24 hours</p>${paymentsChart(buckets, hourLabel)}</div>
<div class="narrow-only"><p class="muted">Last 8 hours</p>${paymentsChart(buckets.slice(-8), hourLabel, 360)}</div></section>
<h2>Orders by status</h2>
${statusRows ? `<div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col" class="num">Orders</th></tr></thead><tbody>${statusRows}</tbody></table></div>` : '<p class="muted">No orders yet.</p>'}`,
    { section: 'overview', csrfToken },
  );
}
