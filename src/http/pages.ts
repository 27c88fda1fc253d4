import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Catalog } from '../domain/catalog.js';
import { formatMoney } from '../domain/money.js';
import type { VerifyResult, VerifyTarget } from '../operations/verify.js';
import type { OrderRecord, Store } from '../store/types.js';
import { escapeHtml, page } from './html.js';
import { isPaymentProcessing } from '../operations/order-detail.js';
import { accessUrlOf, openAccess, servesAccessPage, type AccessDeps } from '../operations/access.js';
import { accessPage } from './access-page.js';
import { loadAssets } from './assets.js';

export interface PageRouteOptions {
  readonly access: AccessDeps;
  readonly store: Store;
  readonly verify: (target: VerifyTarget) => Promise<VerifyResult>;
}

const STRIPE_ID = /^[A-Za-z0-9_]{3,255}$/;

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export async function pageRoutes(app: FastifyInstance, options: PageRouteOptions): Promise<void> {
  const assets = loadAssets();

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.status(404).send({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });

  app.get('/', async (_request, reply) => html(reply, 200, storefront(options.access.listing)));

  app.get<{ Querystring: { session_id?: string } }>('/success', async (request, reply) => {
    const sessionId = request.query.session_id;
    if (typeof sessionId !== 'string' || !STRIPE_ID.test(sessionId)) return html(reply, 400, unknownPayment());
    const result = await options.verify({ sessionId });
    if (result.kind === 'unknown') return html(reply, 404, unknownPayment());
    const processing = await isPaymentProcessing(options.store, result.order);
    return html(reply, 200, successPage(result.order, sessionId, result.settled, processing, accessUrlOf(options.access, result.order)));
  });

  app.get('/cancel', async (_request, reply) =>
    html(
      reply,
      200,
      page(
        'Payment cancelled',
        `<h1>Your order was not paid</h1>
<div class="notice" role="status"><p>You left the payment page before paying. Nothing was charged.</p></div>
<div class="actions"><a class="button" href="/">Back to the shop</a></div>`,
        { narrow: true },
      ),
    ),
  );

  // Only where buyers are sent to it: a shop with its own access link (or no resources) has no page here.
  if (servesAccessPage(options.access)) {
    app.get<{ Params: { token: string } }>('/access/:token', async (request, reply) => {
      const answer = accessPage(await openAccess(options.access, request.params.token));
      return html(reply, answer.status, answer.html);
    });
  }
}

function storefront(catalog: Catalog | undefined): string {
  if (catalog === undefined) {
    return page('Shop', `<h1>Shop</h1>
<p class="lead">This shop prices its items itself; its pages start a checkout with <code>POST /api/checkout</code>.</p>`);
  }
  const items = catalog.items
    .map((item) => {
      const id = `qty-${escapeHtml(item.sku)}`;
      return `<form class="card product" method="post" action="/api/checkout">
  <h2>${escapeHtml(item.name)}</h2>
  <p class="price">${escapeHtml(formatMoney({ amount: item.unitAmount, currency: item.currency }))}</p>
  <input type="hidden" name="items[0][sku]" value="${escapeHtml(item.sku)}">
  <div class="qty"><label for="${id}">Quantity</label>
  <input id="${id}" type="number" name="items[0][quantity]" value="1" min="1" max="99" required inputmode="numeric"></div>
  <div><button type="submit" aria-label="Pay Now for ${escapeHtml(item.name)}">Pay Now</button></div>
</form>`;
    })
    .join('\n');
  return page(
    'Shop',
    `<h1>Shop</h1>
<p class="lead">Pay securely on Stripe's checkout page; you get access as soon as the payment is confirmed.</p>
<div class="grid">
${items}
</div>`,
  );
}

function unknownPayment(): string {
  return page(
    'Unknown payment',
    `<h1>We could not find that payment</h1>
<div class="notice warn" role="status"><p>This link does not belong to an order of this shop.</p></div>
<div class="actions"><a class="button" href="/">Back to the shop</a></div>`,
    { narrow: true },
  );
}

/** What the buyer sees after Stripe: every state comes from the server's order, never from the redirect. */
function successPage(order: OrderRecord, sessionId: string, settled: boolean, processing: boolean, accessUrl: string | undefined): string {
  const amount = escapeHtml(formatMoney(order.total));
  if (settled && order.accessToken) {
    return page(
      'Payment confirmed',
      `<h1>Thank you — your payment is confirmed</h1>
<div class="notice ok" role="status" data-status="${escapeHtml(order.status)}"><p><strong>Paid</strong> · ${amount}</p><p>Order <code>${escapeHtml(order.id)}</code></p></div>
<div class="actions">${accessUrl ? `<a class="button" href="${escapeHtml(accessUrl)}">Open what you bought</a>` : ''}<a href="/">Back to the shop</a></div>`,
      { narrow: true },
    );
  }
  if (order.status === 'pending') {
    const title = processing ? 'Your payment is processing' : 'Confirming your payment…';
    const detail = processing
      ? 'Your bank has accepted the payment request; the money has not arrived yet. Bank debits can take a few days. This page updates when it does.'
      : 'We are waiting for Stripe to confirm the payment. This usually takes a few seconds; this page updates by itself.';
    return page(
      title,
      `<h1>${title}</h1>
<div class="notice" role="status" aria-live="polite" data-poll-session="${escapeHtml(sessionId)}" data-status="${escapeHtml(order.status)}">
<p><strong>${processing ? 'Processing' : 'Confirming…'}</strong> · ${amount}</p><p id="poll-note">${detail}</p></div>`,
      { narrow: true, scripts: ['success.js'], noscriptRefreshSeconds: 5 },
    );
  }
  const outcome = notPaidOutcome(order);
  return page(
    outcome.title,
    `<h1>${outcome.title}</h1>
<div class="notice ${outcome.tone}" role="status" data-status="${escapeHtml(order.status)}"><p>${outcome.detail}</p><p>Order <code>${escapeHtml(order.id)}</code> · ${amount}</p></div>
<div class="actions"><a class="button" href="/">${outcome.tone === 'bad' ? 'Try again' : 'Back to the shop'}</a></div>`,
    { narrow: true },
  );
}

function notPaidOutcome(order: OrderRecord): { title: string; detail: string; tone: 'bad' | 'warn' | 'neutral' } {
  switch (order.status) {
    case 'payment_failed':
      return { title: 'Your payment did not go through', detail: 'The payment was declined and nothing was charged. You can try again with another card.', tone: 'bad' };
    case 'expired':
      return { title: 'This checkout has expired', detail: 'The payment window closed before a payment was made. Nothing was charged.', tone: 'bad' };
    case 'needs_review':
      return { title: 'We are checking your payment', detail: 'Something about this payment needs a person to look at it before we can confirm it. The shop will be in touch.', tone: 'warn' };
    default:
      return { title: 'This order is no longer active', detail: `The order is ${escapeHtml(order.status.replace(/_/g, ' '))}.`, tone: 'neutral' };
  }
}

