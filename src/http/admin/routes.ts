import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/types.js';
import type { StripeGateway } from '../../stripe/gateway.js';
import { eventsOverview, replayEvents } from '../../operations/events.js';
import { readOrderDetail } from '../../operations/order-detail.js';
import { findOrders } from '../../operations/orders.js';
import { readOverview } from '../../operations/overview.js';
import type { ReconcileSummary } from '../../operations/reconcile-now.js';
import { requestRefund } from '../../operations/refund.js';
import { approveReview } from '../../operations/review.js';
import { ORDER_ID } from '../../operations/checkout.js';
import { loggableError } from '../../errors/index.js';
import { answerForError } from '../errors.js';
import { redirectWithNotice, takeNotice } from './flash.js';
import { notificationRoutes } from './notifications-page.js';
import { orderPage } from './order-page.js';
import { overviewPage } from './overview-page.js';
import { AdminSessions, isCrossSite, type AdminSession } from './session.js';
import { adminPage, csrfField, eventsTable, loginPage, noticeBlock, ordersFilter, ordersTable, parseMajorAmount, type Notice } from './views.js';

export interface AdminRouteOptions {
  /** Undefined turns the dashboard off: every page says how to turn it on. */
  readonly adminToken: string | undefined;
  readonly store: Store;
  readonly gateway: Pick<StripeGateway, 'refund' | 'retrieveCheckoutSession'>;
  /** Something new is in the inbox: wake the worker. */
  readonly notifyWorker: () => void;
  readonly now: () => number;
  /** Something is back in the outbox: wake the dispatcher. */
  readonly notifyOutbox?: () => void;
  /** Runs one reconciliation; without it the dashboard offers none. */
  readonly reconcile?: () => Promise<ReconcileSummary>;
}

// The dashboard shows this many orders or events on a page; the search narrows them.
const ORDERS_SHOWN = 200;
const EVENTS_SHOWN = 100;

const NOTICES: Record<string, Notice> = {
  refund_requested: { tone: 'ok', text: 'Refund sent to Stripe.' },
  approval_queued: { tone: 'ok', text: 'Approval recorded. The worker applies it to the order like any other event.' },
  requeued: { tone: 'ok', text: 'Event put back in the inbox; the worker processes it again.' },
  not_requeued: { tone: 'warn', text: 'That event is already waiting to be processed.' },
  bad_amount: { tone: 'bad', text: 'Enter the amount to refund as a number in the order’s currency (e.g. 5.00), at most what is left to refund.' },
  not_refundable: { tone: 'bad', text: 'This order has no payment left to refund.' },
  not_in_review: { tone: 'warn', text: 'This order is not waiting for review.' },
};

// A refund that timed out may have reached Stripe; the same key on the next submission is what keeps it to one.
const REFUND_UNCONFIRMED =
  'Stripe could not be reached, so it is not known whether the refund was made (code stripe_unavailable). Submit it again in a few seconds: it is sent with the same idempotency key, so Stripe refunds at most once.';

type Query = Record<string, string | undefined>;

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

function notice(request: FastifyRequest, reply: FastifyReply): Notice | undefined {
  return takeNotice(request, reply, NOTICES);
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminSession?: AdminSession;
  }
}

export async function adminRoutes(app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  await app.register(formBody);
  const sessions = options.adminToken ? new AdminSessions(options.adminToken, options.now) : undefined;
  const { store } = options;
  // The order's page, read afresh (after a refund attempt too); an order that vanished meanwhile is a 404 page.
  const detailPage = async (orderId: string, csrfToken: string, flash: Notice | undefined): Promise<string> => {
    const detail = await readOrderDetail(store, orderId);
    return detail ? orderPage(detail, csrfToken, flash, options.now()) : adminPage('Not found', '<h1>No order has that id</h1>', { section: 'orders', csrfToken });
  };

  app.addHook('preHandler', async (request, reply) => {
    const open = request.url === '/admin/login' || request.url.startsWith('/admin/login?');
    if (request.method === 'POST' && isCrossSite(request)) {
      return html(reply, 403, adminPage('Refused', '<h1>Refused</h1><div class="notice bad" role="alert"><p>This form was sent from another site. Nothing was changed.</p></div>'));
    }
    if (open) return undefined;
    const session = sessions?.read(request);
    if (!session) {
      if (request.method === 'GET') return reply.redirect('/admin/login', 303);
      return html(reply, 403, adminPage('Sign in first', '<h1>Sign in first</h1><p><a href="/admin/login">Sign in</a> with the admin token.</p>'));
    }
    if (request.method === 'POST' && !sessions?.csrfMatches(session, field(request.body, 'csrf'))) {
      return html(reply, 403, adminPage('Refused', '<h1>Refused</h1><div class="notice bad" role="alert"><p>The form was stale or not sent by this dashboard. Reload the page and try again.</p></div>'));
    }
    request.adminSession = session;
    return undefined;
  });

  const csrf = (request: FastifyRequest): string => request.adminSession?.csrfToken ?? '';
  await app.register(notificationRoutes, { store, now: options.now, notifyOutbox: options.notifyOutbox, csrf });

  app.get('/admin/login', async (request, reply) => {
    if (sessions?.read(request)) return reply.redirect('/admin', 303);
    return html(reply, sessions ? 200 : 503, loginPage(undefined, !sessions));
  });

  app.post('/admin/login', async (request, reply) => {
    if (!sessions) return html(reply, 503, loginPage(undefined, true));
    const token = field(request.body, 'token') ?? '';
    if (!sessions.tokenMatches(token)) {
      request.log.warn('admin sign-in refused: wrong token');
      return html(reply, 401, loginPage('That is not the admin token.', false));
    }
    sessions.issue(request, reply);
    return reply.redirect('/admin', 303);
  });

  app.post('/admin/logout', async (request, reply) => {
    sessions?.clear(request, reply);
    return reply.redirect('/admin/login', 303);
  });

  app.get<{ Querystring: Query }>('/admin', async (request, reply) => {
    const now = options.now();
    return html(reply, 200, overviewPage(await readOverview(store, now), now, csrf(request), notice(request, reply)));
  });

  app.get<{ Querystring: Query }>('/admin/orders', async (request, reply) => {
    const { orders, status, search, full } = await findOrders(store, { status: request.query.status, search: request.query.q, limit: ORDERS_SHOWN });
    return html(
      reply,
      200,
      adminPage('Orders', `<h1>Orders</h1>\n${ordersFilter(status, search)}\n<p class="muted">${full ? `The newest ${ORDERS_SHOWN} matches` : `${orders.length} order${orders.length === 1 ? '' : 's'}`}</p>\n${ordersTable(orders)}`, {
        section: 'orders',
        csrfToken: csrf(request),
      }),
    );
  });

  app.get<{ Params: { orderId: string }; Querystring: Query }>('/admin/orders/:orderId', async (request, reply) => {
    const detail = ORDER_ID.test(request.params.orderId) ? await readOrderDetail(store, request.params.orderId) : undefined;
    if (!detail) return html(reply, 404, adminPage('Not found', '<h1>No order has that id</h1><p><a href="/admin/orders">All orders</a></p>', { section: 'orders', csrfToken: csrf(request) }));
    return html(reply, 200, orderPage(detail, csrf(request), notice(request, reply), options.now()));
  });

  app.post<{ Params: { orderId: string } }>('/admin/orders/:orderId/refund', async (request, reply) => {
    const order = ORDER_ID.test(request.params.orderId) ? await store.orders.get(request.params.orderId) : undefined;
    if (!order) return html(reply, 404, adminPage('Not found', '<h1>No order has that id</h1>'));
    const back = (code: string): FastifyReply => redirectWithNotice(request, reply, `/admin/orders/${order.id}`, code);
    const text = (field(request.body, 'amount') ?? '').trim();
    // Empty: all that is left. What may be refunded, and how much, is the refund operation's to decide.
    const amount = text === '' ? undefined : parseMajorAmount(text, order.total.currency);
    if (text !== '' && amount === undefined) return back('bad_amount');
    const outcome = await requestRefund({ store, gateway: options.gateway, now: options.now }, { orderId: order.id, amount });
    switch (outcome.kind) {
      case 'refused':
        return back(outcome.code === 'bad_amount' ? 'bad_amount' : 'not_refundable');
      case 'unconfirmed': {
        const answer = answerForError(outcome.error);
        request.log.warn({ orderId: order.id, err: loggableError(outcome.error) }, 'refund not confirmed: Stripe unavailable');
        if (answer.retryAfterSeconds !== undefined) void reply.header('retry-after', String(answer.retryAfterSeconds));
        return html(reply, answer.status, await detailPage(order.id, csrf(request), { tone: 'bad', text: REFUND_UNCONFIRMED }));
      }
      case 'stripe_refused':
        request.log.warn({ orderId: order.id, err: loggableError(outcome.error) }, 'refund refused by Stripe');
        return html(reply, 502, await detailPage(order.id, csrf(request), { tone: 'bad', text: `Stripe refused the refund: ${outcome.message}` }));
      case 'requested':
        request.log.info({ orderId: order.id, amount: outcome.amount, refundId: outcome.refundId }, 'operator requested a refund');
        return back('refund_requested');
    }
  });

  app.post<{ Params: { orderId: string } }>('/admin/orders/:orderId/approve', async (request, reply) => {
    const { orderId } = request.params;
    const outcome = ORDER_ID.test(orderId) ? await approveReview({ store, now: options.now, notifyWorker: options.notifyWorker }, { orderId, operator: 'admin', note: field(request.body, 'note') }) : undefined;
    if (outcome === undefined || (outcome.kind === 'refused' && outcome.code === 'order_not_found')) return html(reply, 404, adminPage('Not found', '<h1>No order has that id</h1>'));
    if (outcome.kind === 'refused') return redirectWithNotice(request, reply, `/admin/orders/${orderId}`, 'not_in_review');
    request.log.info({ orderId, eventId: outcome.eventId }, 'operator approved an order in review');
    return redirectWithNotice(request, reply, `/admin/orders/${orderId}`, 'approval_queued');
  });

  app.get<{ Querystring: Query }>('/admin/events', async (request, reply) => {
    const { dead, recent } = await eventsOverview(store, EVENTS_SHOWN);
    const reconcile = options.reconcile
      ? `<form method="post" action="/admin/reconcile" class="actions">${csrfField(csrf(request))}<button type="submit" class="secondary">Run reconciliation now</button><span class="muted">Reads Stripe's events and stale orders; anything missed goes through the inbox.</span></form>`
      : '';
    return html(
      reply,
      200,
      adminPage(
        'Events',
        `<h1>Events</h1>
${noticeBlock(notice(request, reply))}${reconcile}
<h2 id="dead">Dead letters (${dead.length})</h2>
<p class="muted">Events that failed every attempt. Fix the cause, then Retry: the event goes back to the inbox.</p>
${eventsTable(dead, csrf(request), { showOrder: true })}
<h2>Recent events</h2>
${eventsTable(recent, csrf(request), { showOrder: true })}`,
        { section: 'events', csrfToken: csrf(request) },
      ),
    );
  });

  app.post<{ Params: { eventId: string } }>('/admin/events/:eventId/requeue', async (request, reply) => {
    const { eventId } = request.params;
    const [outcome] = await replayEvents({ store, now: options.now, notifyWorker: options.notifyWorker }, [eventId]);
    const requeued = outcome?.kind === 'requeued';
    request.log.info({ eventId, requeued }, 'operator requeued an event');
    const from = field(request.body, 'back');
    const target = from && ORDER_ID.test(from) ? `/admin/orders/${from}` : '/admin/events';
    return redirectWithNotice(request, reply, target, requeued ? 'requeued' : 'not_requeued');
  });

  app.post('/admin/reconcile', async (request, reply) => {
    if (!options.reconcile) return html(reply, 404, adminPage('Not available', '<h1>Reconciliation is not available here</h1>', { csrfToken: csrf(request) }));
    const report = await options.reconcile();
    const healed = report.ordersHealed.length > 0 ? ` Orders healed: ${report.ordersHealed.join(', ')}.` : '';
    const unreachable = report.unreachable.length > 0 ? ` Could not reach: ${report.unreachable.join(', ')}.` : '';
    const text = `Reconciliation finished: ${report.eventsSeen} events read, ${report.missing} missing from the inbox, ${report.applied} applied, ${report.ordersSwept} stale orders checked.${healed}${unreachable}`;
    return html(
      reply,
      200,
      adminPage('Reconciliation', `<h1>Reconciliation</h1>${noticeBlock({ tone: report.unreachable.length > 0 ? 'warn' : 'ok', text })}<p><a href="/admin/events">Back to events</a></p>`, {
        section: 'events',
        csrfToken: csrf(request),
      }),
    );
  });
}
