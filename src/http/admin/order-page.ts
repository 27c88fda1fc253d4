import { formatMoney } from '../../domain/money.js';
import type { OrderDetail } from '../../operations/order-detail.js';
import { escapeHtml, statusPill } from '../html.js';
import { adminPage, csrfField, eventsTable, factsList, formatTime, majorAmount, money, noticeBlock, outboxList, type Notice } from './views.js';

/** How often the page reloads itself while a refund is on its way, and for how long after it was asked. */
export const REFUND_WAIT = { refreshSeconds: 2, forMs: 2 * 60_000 } as const;

function pendingRefunds(detail: OrderDetail, now: number): { block: string; refresh: boolean } {
  const pending = detail.pendingRefunds;
  if (pending.length === 0) return { block: '', refresh: false };
  const newest = Math.max(...pending.map((refund) => refund.requestedAt));
  const refresh = now - newest < REFUND_WAIT.forMs;
  const items = pending
    .map((refund) => `<li>${money(refund.amount, refund.currency)} requested ${formatTime(refund.requestedAt)}, waiting for Stripe <span class="muted">(<code>${escapeHtml(refund.refundId)}</code>)</span></li>`)
    .join('');
  const after = refresh
    ? 'The order changes when Stripe’s charge.refunded arrives, usually within seconds; this page updates by itself.'
    : 'Stripe has not confirmed it yet. Reload to check again; if it does not come, look the refund up in Stripe (a refund can fail at the bank) and run reconciliation from Events.';
  return {
    block: `<section class="notice warn" role="status" aria-labelledby="pending-refund-title"><h2 id="pending-refund-title">Refund requested, waiting for Stripe</h2><ul>${items}</ul><p>${after} Another refund can be asked once this one is confirmed.</p></section>`,
    refresh,
  };
}

/** One order as the operator sees it: its terms, why it is in review, what can be done, and everything that happened. */
export function orderPage(detail: OrderDetail, csrfToken: string, flash: Notice | undefined, now: number): string {
  const { order, facts, paymentIntentId, events } = detail;
  const outbox = detail.notices;
  const currency = order.total.currency;
  const left = detail.refundable;
  const lines = order.lines.map((line) => `${line.quantity} × ${line.name} (${formatMoney({ amount: line.unitAmount, currency: line.currency })})`).join('; ');

  const review =
    order.status === 'needs_review'
      ? `<section class="notice warn" aria-labelledby="review-title"><h2 id="review-title">Needs review</h2><p>${escapeHtml(order.reviewReason ?? 'No reason recorded.')}</p>
<p>Approve if you have checked the payment in Stripe and want to fulfil the order anyway; otherwise refund it.</p>
<form method="post" action="/admin/orders/${escapeHtml(order.id)}/approve" class="inline-form">${csrfField(csrfToken)}
<div><label for="note">Note (optional)</label><input id="note" name="note" maxlength="500" size="30"></div><button type="submit">Approve payment</button></form></section>`
      : '';
  const refund =
    left > 0
      ? `<section class="card" aria-labelledby="refund-title"><h2 id="refund-title">Refund</h2>
<p class="muted">${money(left, currency)} can still be refunded. Leave the amount empty to refund the whole remaining payment. The order changes when Stripe confirms the refund.</p>
<form method="post" action="/admin/orders/${escapeHtml(order.id)}/refund" class="inline-form">${csrfField(csrfToken)}
<div><label for="amount">Amount (${escapeHtml(currency.toUpperCase())})</label><input id="amount" name="amount" inputmode="decimal" placeholder="${majorAmount(left, currency)}" size="10"></div>
<button type="submit" class="danger">Refund</button></form></section>`
      : '';
  const waiting = pendingRefunds(detail, now);
  const access = order.accessToken ? `<a href="/access/${escapeHtml(order.accessToken)}">${escapeHtml(order.entitlement)}</a>` : escapeHtml(order.entitlement);

  return adminPage(
    `Order ${order.id}`,
    `<p><a href="/admin/orders">← All orders</a></p>
<h1>Order <code>${escapeHtml(order.id)}</code> ${statusPill(order.status)}</h1>
${noticeBlock(flash)}
${waiting.block}
${review}
<section class="card"><dl class="facts">
<dt>Total</dt><dd>${money(order.total.amount, currency)}</dd>
<dt>Refunded</dt><dd>${money(order.amountRefunded, currency)}</dd>
<dt>Items</dt><dd>${escapeHtml(lines)}</dd>
<dt>Email</dt><dd>${escapeHtml(order.email ?? '—')}</dd>
<dt>Created</dt><dd>${formatTime(order.createdAt)}</dd>
<dt>Paid</dt><dd>${formatTime(order.paidAt)}</dd>
<dt>Fulfilled</dt><dd>${formatTime(order.fulfilledAt)}</dd>
<dt>Entitlement</dt><dd>${access}</dd>
<dt>Checkout Session</dt><dd><code>${escapeHtml(order.checkoutSessionId ?? '—')}</code></dd>
<dt>PaymentIntent</dt><dd><code>${escapeHtml(paymentIntentId ?? '—')}</code></dd>
</dl></section>
${refund}
<h2>What settled knows (facts)</h2>
${factsList(facts)}
<h2>Events for this order</h2>
${eventsTable(events, csrfToken, { showOrder: false })}
<h2>Notifications</h2>
${outboxList(outbox)}`,
    { section: 'orders', csrfToken, refreshSeconds: waiting.refresh ? REFUND_WAIT.refreshSeconds : undefined },
  );
}
