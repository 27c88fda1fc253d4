import type { FastifyInstance, FastifyReply } from 'fastify';
import type Stripe from 'stripe';
import { optionalString, type Params } from './form.js';
import { idOf } from './http.js';
import { finishAuthentication, methodFromInput } from './payments.js';
import { findSession, finishSessionAuthentication, payForSession, sessionLineItems } from './resources/checkout-sessions.js';
import { luhnValid, normalizeCardNumber, TEST_CARDS, TEST_IBANS } from './test-cards.js';
import type { World } from './world.js';

// The hosted checkout page and the 3D Secure page: plain HTML forms, inline CSS, no scripts, no external assets.

const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

export function formatMoney(amount: number, currency: string): string {
  const major = ZERO_DECIMAL.has(currency) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(major);
  } catch {
    return `${major.toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f8fa;color:#1a1f36;margin:0;padding:2rem 1rem}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.5rem}table{width:100%;border-collapse:collapse}
td,th{padding:.35rem 0;text-align:left;border-bottom:1px solid #e3e8ee}td.amount,th.amount{text-align:right}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}input{width:100%;box-sizing:border-box;font-size:1rem;padding:.55rem;border:1px solid #8792a2;border-radius:4px}
button{margin-top:1rem;width:100%;font-size:1rem;padding:.7rem;border:0;border-radius:4px;background:#0a2540;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0a2540;border:1px solid #0a2540}
input:focus,button:focus,a:focus{outline:3px solid #635bff;outline-offset:2px}
.error{background:#fdecea;color:#8a1c1c;border:1px solid #e6a8a8;border-radius:4px;padding:.6rem}
.note{color:#425466;font-size:.9rem}details{margin-top:1.5rem}code{font-size:.9rem}`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function sessionPage(world: World, session: Stripe.Checkout.Session, error: string | null): string {
  const items = sessionLineItems(world, session.id);
  const currency = session.currency ?? 'usd';
  const rows = items
    .map((item) => `<tr><td>${escapeHtml(item.description ?? 'Item')} × ${item.quantity ?? 1}</td><td class="amount">${formatMoney(item.amount_total, currency)}</td></tr>`)
    .join('');
  const total = formatMoney(session.amount_total ?? 0, currency);
  const action = `/c/pay/${encodeURIComponent(session.id)}`;
  const header = `<h1>Emulated Stripe Checkout</h1>
<table aria-label="Order summary"><thead><tr><th>Item</th><th class="amount">Amount</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th>Total</th><th class="amount" id="total">${total}</th></tr></tfoot></table>`;
  if (session.status === 'complete') {
    const success = session.success_url ? `<p><a href="${escapeHtml(successUrl(session))}">Return to the shop</a></p>` : '';
    return page('Payment complete', `${header}<p role="status">This Checkout Session is complete.</p>${success}`);
  }
  if (session.status === 'expired') {
    return page('Session expired', `${header}<p role="status">This Checkout Session has expired.</p>`);
  }
  const errorBlock = error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : '';
  const cancel = session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and return to the shop</a></p>` : '';
  const email = session.customer_email ? escapeHtml(session.customer_email) : '';
  const cards = TEST_CARDS.map((card) => `<tr><td><code>${card.number.replace(/(\d{4})(?=\d)/g, '$1 ')}</code></td><td>${escapeHtml(card.description)}</td></tr>`).join('');
  const ibans = TEST_IBANS.map((entry) => `<tr><td><code>${entry.iban}</code></td><td>${escapeHtml(entry.description)}</td></tr>`).join('');
  return page(`Pay ${total}`, `${header}${errorBlock}
<h2>Pay by card</h2>
<form method="post" action="${action}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" value="${email}">
<label for="card_number">Card number</label><input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<button type="submit">Pay ${total}</button>
</form>
<h2>Pay by SEPA Direct Debit (delayed notification)</h2>
<form method="post" action="${action}">
<label for="iban">IBAN</label><input id="iban" name="iban" autocomplete="off" placeholder="DE89370400440532013000" required>
<button type="submit" class="secondary">Debit ${total} from this bank account</button>
</form>
${cancel}
<details><summary>Test cards and IBANs</summary><table><tbody>${cards}${ibans}</tbody></table>
<p class="note">Bank debits settle ${world.config.asyncSettleSeconds} seconds later on the emulator clock (advance it with POST /_emulator/clock/advance).</p></details>`);
}

function successUrl(session: Stripe.Checkout.Session): string {
  return (session.success_url ?? '').replace(/\{CHECKOUT_SESSION_ID\}/g, session.id);
}

async function toSuccess(reply: FastifyReply, world: World, session: Stripe.Checkout.Session): Promise<FastifyReply> {
  const eventId = world.state.sessionExtras.get(session.id)?.completedEventId;
  if (eventId && world.config.checkoutWebhookWaitMs > 0) await world.delivery.waitFirstAttempts(eventId, world.config.checkoutWebhookWaitMs);
  if (!session.success_url) return reply.type('text/html').send(sessionPage(world, session, null));
  return reply.redirect(successUrl(session), 303);
}

function authenticationPage(intent: Stripe.PaymentIntent, returnUrl: string | null): string {
  const action = `/3ds/${encodeURIComponent(intent.id)}${returnUrl ? `?return_url=${encodeURIComponent(returnUrl)}` : ''}`;
  return page('3D Secure authentication', `<h1>3D Secure test authentication</h1>
<p>Authenticate the payment of ${formatMoney(intent.amount, intent.currency)}.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="action" value="approve"><button type="submit">Complete authentication</button></form>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="action" value="fail"><button type="submit" class="secondary">Fail authentication</button></form>`);
}

function bodyOf(body: unknown): Params {
  return body && typeof body === 'object' ? (body as Params) : {};
}

export function registerHostedPage(app: FastifyInstance, world: World): void {
  app.get('/c/pay/:id', async (request, reply) => {
    const session = world.state.sessions.get(idOf(request));
    if (!session) return reply.code(404).type('text/html').send(page('Not found', '<h1>Checkout Session not found</h1>'));
    return reply.type('text/html').send(sessionPage(world, session, null));
  });

  app.post('/c/pay/:id', async (request, reply) => {
    const session = world.state.sessions.get(idOf(request));
    if (!session) return reply.code(404).type('text/html').send(page('Not found', '<h1>Checkout Session not found</h1>'));
    if (session.status !== 'open') return reply.code(409).type('text/html').send(sessionPage(world, session, null));
    const form = bodyOf(request.body);
    const input = optionalString(form, 'iban') || optionalString(form, 'card_number') || '';
    const email = optionalString(form, 'email') || null;
    const fail = (status: number, message: string): FastifyReply => reply.code(status).type('text/html').send(sessionPage(world, session, message));
    if (input.trim() === '') return fail(400, 'Enter a card number.');
    const method = methodFromInput(input);
    if (!method) {
      const digits = normalizeCardNumber(input);
      if (/^[A-Za-z]{2}/.test(digits)) return fail(402, 'This IBAN is not a test IBAN. Use DE89370400440532013000 or DE62370400440532013001.');
      if (!luhnValid(digits)) return fail(402, 'Your card number is invalid.');
      return fail(402, 'Your card was declined. Your request was in test mode, but used a non test card. Use a Stripe test card.');
    }
    const result = payForSession(world, findSession(world, session.id), method, email);
    if (result.kind === 'declined') return fail(402, result.error.message);
    if (result.kind === 'requires_action') return reply.redirect(`/3ds/${encodeURIComponent(String(session.payment_intent))}`, 303);
    return toSuccess(reply, world, session);
  });

  app.get('/3ds/:id', async (request, reply) => {
    const intent = world.state.paymentIntents.get(idOf(request));
    if (!intent || intent.status !== 'requires_action') return reply.code(404).type('text/html').send(page('Not found', '<h1>No payment is waiting for authentication</h1>'));
    const returnUrl = optionalString(bodyOf(request.query), 'return_url') ?? null;
    return reply.type('text/html').send(authenticationPage(intent, returnUrl));
  });

  app.post('/3ds/:id', async (request, reply) => {
    const intent = world.state.paymentIntents.get(idOf(request));
    if (!intent || intent.status !== 'requires_action') return reply.code(404).type('text/html').send(page('Not found', '<h1>No payment is waiting for authentication</h1>'));
    const approved = optionalString(bodyOf(request.body), 'action') === 'approve';
    const sessionId = world.state.sessionByPaymentIntent.get(intent.id);
    const session = sessionId ? world.state.sessions.get(sessionId) : undefined;
    if (session) {
      const result = finishSessionAuthentication(world, session, intent, approved);
      if (result.kind === 'declined') return reply.code(402).type('text/html').send(sessionPage(world, session, result.error.message));
      return toSuccess(reply, world, session);
    }
    const result = finishAuthentication(world, intent, approved, world.automaticFor(intent.id));
    const returnUrl = optionalString(bodyOf(request.query), 'return_url');
    if (returnUrl) {
      const target = new URL(returnUrl);
      target.searchParams.set('payment_intent', intent.id);
      target.searchParams.set('payment_intent_client_secret', intent.client_secret ?? '');
      target.searchParams.set('redirect_status', result.kind === 'succeeded' ? 'succeeded' : 'failed');
      return reply.redirect(target.toString(), 303);
    }
    const message = result.kind === 'succeeded' ? 'Authentication complete: the payment succeeded.' : 'Authentication failed.';
    return reply.type('text/html').send(page('3D Secure', `<h1>3D Secure</h1><p role="status">${message}</p>`));
  });
}
