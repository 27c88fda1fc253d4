import { operatorAction } from '../../domain/event-actions.js';
import { formatMoney, minorUnitExponent } from '../../domain/money.js';
import { ORDER_STATUSES } from '../../domain/order.js';
import type { InboxEvent, OrderRecord, OutboxMessage, StoredFact } from '../../store/types.js';
import { escapeHtml, page, statusPill } from '../html.js';

export type AdminSection = 'overview' | 'orders' | 'events' | 'notifications';
export interface Notice {
  readonly tone: 'ok' | 'warn' | 'bad';
  readonly text: string;
}

/** "2026-11-25 16:40:12 UTC": one zone for every operator, sortable by eye. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function csrfField(csrfToken: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">`;
}

function header(section: AdminSection | undefined, csrfToken: string | undefined): string {
  const link = (name: AdminSection, href: string, text: string): string =>
    `<a href="${href}"${section === name ? ' aria-current="page"' : ''}>${text}</a>`;
  const nav = csrfToken
    ? `<nav aria-label="Dashboard">${link('overview', '/admin', 'Overview')}${link('orders', '/admin/orders', 'Orders')}${link('events', '/admin/events', 'Events')}${link('notifications', '/admin/notifications', 'Notifications')}</nav>
<form method="post" action="/admin/logout">${csrfField(csrfToken)}<button type="submit" class="secondary small">Sign out</button></form>`
    : '';
  return `<header class="site"><div class="bar"><a class="brand" href="/admin">settled · operator</a>${nav}</div></header>`;
}

export function adminPage(title: string, body: string, options: { section?: AdminSection; csrfToken?: string; refreshSeconds?: number } = {}): string {
  return page(`${title} · settled`, body, { header: header(options.section, options.csrfToken), refreshSeconds: options.refreshSeconds });
}

export function noticeBlock(notice: Notice | undefined): string {
  if (!notice) return '';
  return `<div class="notice ${notice.tone}" role="${notice.tone === 'bad' ? 'alert' : 'status'}"><p>${escapeHtml(notice.text)}</p></div>`;
}

export function loginPage(error: string | undefined, disabled: boolean): string {
  const body = disabled
    ? `<h1>The dashboard is off</h1><div class="notice warn" role="status"><p>Set ADMIN_TOKEN (at least 24 characters) and restart settled to use the operator dashboard.</p></div>`
    : `<h1>Sign in</h1>
<p class="lead">Enter the admin token (ADMIN_TOKEN; in offline demo mode it is printed when settled starts).</p>
${error ? `<div class="notice bad" role="alert"><p>${escapeHtml(error)}</p></div>` : ''}
<form method="post" action="/admin/login" class="card inline-form">
<div><label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required minlength="1" size="34"></div>
<button type="submit">Sign in</button>
</form>`;
  return page('Sign in · settled', `<div class="narrow">${body}</div>`, { header: header(undefined, undefined), narrow: true });
}

export function money(amount: number, currency: string): string {
  return escapeHtml(formatMoney({ amount, currency }));
}

/** "12.50" in the order's currency → minor units; undefined when it is not an amount. */
export function parseMajorAmount(text: string, currency: string): number | undefined {
  const exponent = minorUnitExponent(currency);
  const pattern = exponent === 0 ? /^\d{1,9}$/ : new RegExp(`^\\d{1,9}(\\.\\d{1,${exponent}})?$`);
  const trimmed = text.trim();
  if (!pattern.test(trimmed)) return undefined;
  const [whole = '0', fraction = ''] = trimmed.split('.');
  return Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
}

export function majorAmount(amount: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  return exponent === 0 ? String(amount) : (amount / 10 ** exponent).toFixed(exponent);
}

export function ordersTable(orders: readonly OrderRecord[]): string {
  if (orders.length === 0) return '<p class="muted">No orders match.</p>';
  const rows = orders
    .map(
      (order) => `<tr><td><a href="/admin/orders/${escapeHtml(order.id)}"><code>${escapeHtml(order.id)}</code></a></td><td>${statusPill(order.status)}</td>
<td class="num">${money(order.total.amount, order.total.currency)}</td><td class="hide-phone">${escapeHtml(order.email ?? '—')}</td><td class="hide-phone">${formatTime(order.createdAt)}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table><caption class="skip">Orders</caption><thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col" class="num">Total</th><th scope="col" class="hide-phone">Email</th><th scope="col" class="hide-phone">Created</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function ordersFilter(status: string | undefined, search: string | undefined): string {
  const options = ['', ...ORDER_STATUSES]
    .map((value) => `<option value="${value}"${value === (status ?? '') ? ' selected' : ''}>${value === '' ? 'Any status' : escapeHtml(value.replace(/_/g, ' '))}</option>`)
    .join('');
  return `<form method="get" action="/admin/orders" class="filters" role="search">
<div><label for="status">Status</label><select id="status" name="status">${options}</select></div>
<div><label for="q">Search</label><input id="q" name="q" type="search" value="${escapeHtml(search ?? '')}" placeholder="order id, email, cs_…, pi_…" size="28"></div>
<button type="submit">Filter</button>
</form>`;
}

export function eventRow(event: InboxEvent, csrfToken: string, options: { showOrder: boolean }): string {
  const error = event.lastError ? `<div class="error-text"><code>${escapeHtml(event.lastError)}</code></div>` : '';
  const order = options.showOrder
    ? `<td class="hide-phone">${event.orderId ? `<a href="/admin/orders/${escapeHtml(event.orderId)}"><code>${escapeHtml(event.orderId)}</code></a>` : '—'}</td>`
    : '';
  const allowed = operatorAction(event.status);
  const action = allowed === 'retry' ? 'Retry' : 'Replay';
  const button =
    allowed === undefined
      ? ''
      : `<form method="post" action="/admin/events/${encodeURIComponent(event.id)}/requeue">${csrfField(csrfToken)}<button type="submit" class="small${action === 'Replay' ? ' secondary' : ''}" aria-label="${action} ${escapeHtml(event.id)}">${action}</button></form>`;
  return `<tr><td><code>${escapeHtml(event.type)}</code><div class="muted"><code>${escapeHtml(event.id)}</code></div></td>
<td>${eventStatus(event)}<div class="muted">${escapeHtml(event.outcome ?? '')}</div>${error}</td>
<td class="hide-phone">${escapeHtml(event.source)} · ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}<div class="muted">${formatTime(event.receivedAt)}</div></td>${order}<td>${button}</td></tr>`;
}

function eventStatus(event: InboxEvent): string {
  const tone = event.status === 'dead' ? 'bad' : event.status === 'processed' ? 'ok' : 'neutral';
  const label = event.status === 'dead' ? 'dead letter' : event.status;
  return `<span class="status ${tone}">${label}</span>`;
}

export function eventsTable(events: readonly InboxEvent[], csrfToken: string, options: { showOrder: boolean }): string {
  if (events.length === 0) return '<p class="muted">No events.</p>';
  const orderHead = options.showOrder ? '<th scope="col" class="hide-phone">Order</th>' : '';
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Event</th><th scope="col">Processing</th><th scope="col" class="hide-phone">Received</th>${orderHead}<th scope="col"><span class="skip">Action</span></th></tr></thead>
<tbody>${events.map((event) => eventRow(event, csrfToken, options)).join('\n')}</tbody></table></div>`;
}

export function factsList(facts: readonly StoredFact[]): string {
  if (facts.length === 0) return '<p class="muted">No facts yet: nothing has been confirmed about this order.</p>';
  const items = [...facts]
    .sort((a, b) => a.recordedAt - b.recordedAt)
    .map(({ fact, eventId, recordedAt }) => {
      const detail = describeFact(fact);
      return `<li><strong>${escapeHtml(fact.kind.replace(/_/g, ' '))}</strong>${detail ? ` — ${escapeHtml(detail)}` : ''}
<div class="muted">recorded ${formatTime(recordedAt)} from <code>${escapeHtml(eventId)}</code></div></li>`;
    })
    .join('\n');
  return `<ol class="timeline">${items}</ol>`;
}

function describeFact(fact: StoredFact['fact']): string {
  switch (fact.kind) {
    case 'payment_succeeded':
    case 'payment_processing':
      return `${formatMoney({ amount: fact.amount, currency: fact.currency })} via ${fact.checkoutSessionId ?? fact.paymentIntentId ?? 'unknown'}`;
    case 'payment_failed':
      return fact.reason;
    case 'refunded_to_date':
      return `${formatMoney({ amount: fact.amountRefunded, currency: fact.currency })} refunded to date on ${fact.chargeId}`;
    case 'dispute_opened':
      return fact.disputeId;
    case 'dispute_closed':
      return `${fact.disputeId} ${fact.outcome}`;
    case 'review_approved':
      return `by ${fact.operator}${fact.note ? `: ${fact.note}` : ''}`;
    default:
      return '';
  }
}

export function outboxList(messages: readonly OutboxMessage[]): string {
  if (messages.length === 0) return '<p class="muted">No notifications.</p>';
  const rows = messages
    .map((message) => `<tr><td><code>${escapeHtml(message.kind)}</code></td><td>${escapeHtml(message.status)}</td><td class="num">${message.attempts}</td><td>${formatTime(message.deliveredAt)}${message.lastError ? `<div class="error-text">${escapeHtml(message.lastError)}</div>` : ''}</td></tr>`)
    .join('');
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Notification</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Delivered</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
