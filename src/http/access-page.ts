import type { CatalogResource } from '../domain/catalog.js';
import { formatMoney } from '../domain/money.js';
import type { AccessOutcome } from '../operations/access.js';
import type { OrderRecord } from '../store/types.js';
import { escapeHtml, page, statusPill } from './html.js';

// /access/<token> is one level below settled's mount point, wherever that is.
const ACCESS_ASSETS = '../assets/';

/** The /access/:token page for an outcome, with its status; the Fastify app and the adapters both render this. */
export function accessPage(outcome: AccessOutcome): { status: number; html: string } {
  if (outcome.kind === 'not_found') {
    return { status: 404, html: unavailable('This access link is not valid', 'Check that you copied the whole link from your confirmation page or email.') };
  }
  const { order } = outcome;
  if (outcome.kind === 'refused') {
    const why = accessRefusal(order);
    return { status: why.status, html: unavailable(why.title, why.detail) };
  }
  const sections = outcome.items.map((item) => (item.resource ? resourceSection(item.resource) : `<section class="card"><h2>${escapeHtml(item.name)}</h2></section>`));
  return {
    status: 200,
    html: page(
      'Your purchase',
      `<h1>Your purchase</h1>
<p class="lead">Order <code>${escapeHtml(order.id)}</code> · ${escapeHtml(formatMoney(order.total))} · ${statusPill(order.status)}</p>
${sections.join('\n')}`,
      { narrow: true, assetBase: ACCESS_ASSETS },
    ),
  };
}

function accessRefusal(order: OrderRecord): { status: number; title: string; detail: string } {
  switch (order.status) {
    case 'refunded':
      return { status: 410, title: 'This purchase was refunded', detail: 'The payment for this order was refunded, so its content is no longer available.' };
    case 'disputed':
      return { status: 410, title: 'This purchase is on hold', detail: 'The payment is being disputed with the card issuer. Access returns if the dispute is resolved in the shop’s favour.' };
    case 'dispute_lost':
      return { status: 410, title: 'This purchase is no longer available', detail: 'The payment was reversed after a dispute.' };
    case 'needs_review':
      return { status: 403, title: 'This purchase is being reviewed', detail: 'The shop needs to check this payment before its content is available.' };
    default:
      return { status: 403, title: 'This order has not been paid yet', detail: 'Its content becomes available as soon as the payment is confirmed.' };
  }
}

function unavailable(title: string, detail: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<div class="notice warn" role="status"><p>${escapeHtml(detail)}</p></div>
<div class="actions"><a class="button secondary" href="/">Back to the shop</a></div>`,
    { narrow: true, assetBase: ACCESS_ASSETS },
  );
}

function resourceSection(resource: CatalogResource): string {
  // The body is Markdown-ish text; shown as text (never as HTML), without a heading that repeats the title.
  const body = resource.body.replace(/^#\s+.*\n+/, '');
  const link = resource.url ? `<p><a class="button" href="${escapeHtml(resource.url)}" rel="noopener">Download</a></p>` : '';
  return `<section class="card"><h2>${escapeHtml(resource.title)}</h2><div class="resource">${escapeHtml(body)}</div>${link}</section>`;
}
