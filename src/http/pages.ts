import type { FastifyInstance } from 'fastify';
import { findCatalogItem, type Catalog } from '../domain/catalog.js';
import { formatMoney } from '../domain/money.js';
import type { VerifyResult, VerifyTarget } from '../ingest/verify.js';
import type { Store } from '../store/types.js';
import { escapeHtml, page } from './html.js';

export interface PageOptions {
  readonly catalog: Catalog;
  readonly store: Store;
  readonly verify: (target: VerifyTarget) => Promise<VerifyResult>;
}

const STRIPE_ID = /^[A-Za-z0-9_]{3,255}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export async function pageRoutes(app: FastifyInstance, options: PageOptions): Promise<void> {
  app.get('/', async (_request, reply) => {
    const items = options.catalog.items
      .map(
        (item) => `<form class="item" method="post" action="/api/checkout">
  <h2>${escapeHtml(item.name)}</h2>
  <p>${escapeHtml(formatMoney({ amount: item.unitAmount, currency: item.currency }))}</p>
  <input type="hidden" name="items[0][sku]" value="${escapeHtml(item.sku)}">
  <label for="qty-${escapeHtml(item.sku)}">Quantity</label>
  <input id="qty-${escapeHtml(item.sku)}" type="number" name="items[0][quantity]" value="1" min="1" max="99" required>
  <button type="submit">Pay Now</button>
</form>`,
      )
      .join('\n');
    return reply.type('text/html; charset=utf-8').send(page('Shop', `<h1>Shop</h1>\n${items}`));
  });

  app.get<{ Querystring: { session_id?: string } }>('/success', async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    const sessionId = request.query.session_id;
    if (typeof sessionId !== 'string' || !STRIPE_ID.test(sessionId)) {
      return reply.status(400).send(page('Unknown payment', '<h1>We could not find that payment</h1><p><a href="/">Back to the shop</a></p>'));
    }
    const result = await options.verify({ sessionId });
    if (result.kind === 'unknown') {
      return reply.status(404).send(page('Unknown payment', '<h1>We could not find that payment</h1><p><a href="/">Back to the shop</a></p>'));
    }
    const { order } = result;
    if (result.settled && order.accessToken) {
      return reply.send(
        page(
          'Payment received',
          `<h1>Thank you — your payment is confirmed</h1><p class="status" role="status">Paid</p><p><a href="/access/${escapeHtml(order.accessToken)}">Open what you bought</a></p>`,
        ),
      );
    }
    if (order.status === 'pending') {
      return reply.send(
        page('Confirming payment', '<h1>Confirming your payment…</h1><p class="status" role="status">Processing. This page refreshes by itself.</p>', { refreshSeconds: 3 }),
      );
    }
    return reply.send(
      page('Payment not completed', `<h1>Your payment did not go through</h1><p class="status" role="status">Status: ${escapeHtml(order.status)}</p><p><a href="/">Try again</a></p>`),
    );
  });

  app.get('/cancel', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(page('Payment cancelled', '<h1>Your order was not paid</h1><p>Nothing was charged.</p><p><a href="/">Back to the shop</a></p>')),
  );

  app.get<{ Params: { token: string } }>('/access/:token', async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    const { token } = request.params;
    const order = TOKEN.test(token) ? await options.store.orders.findByAccessToken(token) : undefined;
    if (!order) return reply.status(404).send(page('Not found', '<h1>This access link is not valid</h1>'));
    if (order.entitlement === 'revoked') {
      return reply
        .status(410)
        .send(page('No longer available', `<h1>This purchase is no longer available</h1><p>The order is ${escapeHtml(order.status.replace('_', ' '))}.</p>`));
    }
    if (order.entitlement !== 'active') {
      return reply.status(403).send(page('Not paid yet', '<h1>This order has not been paid yet</h1>'));
    }
    const parts = order.lines.map((line) => {
      const item = findCatalogItem(options.catalog, line.sku);
      const resource = item?.resource;
      return resource
        ? `<section class="item"><h2>${escapeHtml(resource.title)}</h2><p>${escapeHtml(resource.body)}</p></section>`
        : `<section class="item"><h2>${escapeHtml(line.name)}</h2></section>`;
    });
    return reply.send(page('Your purchase', `<h1>Your purchase</h1>\n${parts.join('\n')}`));
  });
}
