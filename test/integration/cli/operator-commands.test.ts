import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { runCli } from '../../support/cli.js';
import { startShop, type Shop } from '../../support/shop.js';
import { startTcpRelay, type TcpRelay } from '../../support/tcp-relay.js';
import { ADMIN_TOKEN, signIn } from '../http/admin-client.js';

// Each test spawns several `settled` processes; on a busy machine each takes seconds to start.
const SPAWNS = 120_000;

let emulator: RunningEmulator | undefined;
let shop: Shop | undefined;
let store: Store | undefined;
let relay: TcpRelay | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await shop?.close();
  await store?.close();
  await emulator?.close();
  shop = undefined;
  store = undefined;
  emulator = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function settled(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = runCli(args, env);
  const code = await run.exited();
  return { code, output: run.output() };
}

/** A shop on a SQLite file under DATA_DIR with one paid order, and the environment for `settled` on the same data. */
async function shopWithPaidOrder(options: { adminToken?: string } = {}): Promise<{ orderId: string; env: Record<string, string> }> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'settled-ops-')), 'data');
  dirs.push(dataDir);
  emulator = await startEmulator({});
  store = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  shop = await startShop({ store, emulator, ...options });
  const { orderId, checkoutUrl } = await shop.checkout();
  await shop.pay(checkoutUrl, '4242424242424242');
  await shop.quiesce();
  return { orderId, env: { DATA_DIR: dataDir, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: emulator.url, LOG_LEVEL: 'warn' } };
}

it('`settled --help` lists every operator command and each command has its own --help', { timeout: SPAWNS }, async () => {
  const [top, refund] = await Promise.all([settled(['--help'], {}), settled(['refund', '--help'], {})]);
  for (const command of ['serve', 'worker', 'migrate', 'reconcile', 'emulator', 'replay', 'dead-letters', 'orders', 'refund', 'doctor']) {
    expect(top.output).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  }
  expect(refund.output).toContain('Usage: settled refund [options] <orderId>');
  expect(refund.output).toContain('--amount <minor>');
});

it('`settled orders` lists orders and shows one with its event timeline', { timeout: SPAWNS }, async () => {
  const { orderId, env } = await shopWithPaidOrder();
  const [list, search, show, missing] = await Promise.all([
    settled(['orders', 'list', '--status', 'paid'], env),
    // Pasted with the spaces around it: the search is for the id, as the dashboard's is.
    settled(['orders', 'list', '--search', `  ${orderId} `], env),
    settled(['orders', 'show', orderId], env),
    settled(['orders', 'show', 'ord_nope'], env),
  ]);
  expect(list.code).toBe(0);
  expect(list.output).toMatch(new RegExp(`^${orderId}\\s+paid\\s`, 'm'));
  expect(search.output).toMatch(new RegExp(`^${orderId}\\s+paid\\s`, 'm'));
  expect(show.code).toBe(0);
  expect(show.output).toContain(`order ${orderId}`);
  expect(show.output).toMatch(/status\s+paid/);
  expect(show.output).toMatch(/event evt_\S+ checkout\.session\.completed via webhook: processed/);
  expect(show.output).toMatch(/fact payment_succeeded \[paid:cs_/);
  // A Checkout order learns its PaymentIntent from the payment's facts, not when it is created.
  const paidWith = (await store!.orders.facts(orderId)).flatMap(({ fact }) => ('paymentIntentId' in fact && fact.paymentIntentId ? [fact.paymentIntentId] : []));
  expect(paidWith[0]).toMatch(/^pi_/);
  expect(show.output).toContain(`payment intent ${paidWith[0]}`);
  expect(show.output).toContain('fulfilled (access granted)');
  expect(missing.code).toBe(1);
  expect(missing.output).toContain('no order ord_nope; `settled orders list --search <text>`');
});

it('`settled replay` re-runs stored events idempotently and names the ids it does not know', { timeout: SPAWNS }, async () => {
  const { orderId, env } = await shopWithPaidOrder();
  const [event] = (await store!.inbox.list({ limit: 20 })).filter((e) => e.type === 'checkout.session.completed');
  const factsBefore = await store!.orders.facts(orderId);
  const replay = await settled(['replay', event!.id, 'evt_unknown'], env);
  expect(replay.code).toBe(1);
  expect(replay.output).toContain(`requeued ${event!.id} (checkout.session.completed, was processed)`);
  expect(replay.output).toMatch(new RegExp(`${event!.id}  processed: applied: order is paid`));
  expect(replay.output).toContain('not in the inbox: evt_unknown');
  expect(await store!.orders.facts(orderId)).toEqual(factsBefore);
  expect((await store!.orders.get(orderId))?.status).toBe('paid');
});

it('`settled dead-letters` lists dead events and retries them', { timeout: SPAWNS }, async () => {
  const { orderId, env } = await shopWithPaidOrder();
  const [stored] = (await store!.inbox.list({ limit: 20 })).filter((e) => e.type === 'checkout.session.completed');
  // A copy of a real event that died during an outage: its retry succeeds once things are well again.
  await store!.inbox.add([{ id: 'evt_died_1', type: stored!.type, payload: stored!.payload.replace(stored!.id, 'evt_died_1'), source: 'webhook', receivedAt: Date.now() + 3_600_000 }]);
  await shop!.close();
  shop = undefined;
  const [claimed] = await store!.inbox.claim({ workerId: 'test', limit: 1, leaseMs: 60_000, now: Date.now() + 3_600_000 });
  expect(claimed?.id).toBe('evt_died_1');
  await store!.inbox.fail({ id: 'evt_died_1', workerId: 'test', error: 'StoreUnavailableError: connection refused', runAt: 0, dead: true, now: Date.now() });

  const list = await settled(['dead-letters'], env);
  expect(list.code).toBe(0);
  expect(list.output).toMatch(/evt_died_1 {2}checkout\.session\.completed {2}attempts 1 .* last error: StoreUnavailableError: connection refused/);
  const [noArgs, processed, retry] = await Promise.all([
    settled(['dead-letters', 'retry'], env),
    settled(['dead-letters', 'retry', stored!.id], env),
    settled(['dead-letters', 'retry', 'evt_died_1'], env),
  ]);
  expect(noArgs.code).toBe(1);
  expect(noArgs.output).toContain('name the dead events to retry, or pass --all');
  expect(processed.code).toBe(1);
  expect(processed.output).toContain(`not dead letters, left alone: ${stored!.id} (processed). Use \`settled replay\``);
  expect(retry.code).toBe(0);
  expect(retry.output).toContain('retrying 1 dead letter(s)');
  expect((await store!.inbox.get('evt_died_1'))?.status).toBe('processed');
  expect((await store!.orders.get(orderId))?.status).toBe('paid');
  expect((await settled(['dead-letters', 'list'], env)).output).toContain('no dead letters');
});

it('`settled orders approve` fulfils an order held for review through the inbox, and refuses one that is not held', { timeout: SPAWNS }, async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'settled-ops-')), 'data');
  dirs.push(dataDir);
  emulator = await startEmulator({});
  store = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  shop = await startShop({ store, emulator });
  emulator.pauseWebhooks();
  const { orderId, checkoutUrl } = await shop.checkout();
  await shop.pay(checkoutUrl, '4242424242424242');
  const completed = emulator.events().find((event) => event.type === 'checkout.session.completed');
  // A payment for less than the order: validation holds it for review.
  const short = { ...completed!, id: `${completed!.id}_short`, data: { object: { ...completed!.data.object, amount_total: 100 } } };
  await store.inbox.add([{ id: short.id, type: short.type, payload: JSON.stringify(short), source: 'webhook', receivedAt: Date.now() }]);
  await shop.settled.worker.drain();
  expect((await store.orders.get(orderId))?.status).toBe('needs_review');
  await shop.close();
  shop = undefined;
  const env = { DATA_DIR: dataDir, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: emulator.url, LOG_LEVEL: 'warn' };

  const approve = await settled(['orders', 'approve', orderId, '--note', 'checked in Stripe'], env);
  expect(approve.code).toBe(0);
  expect(approve.output).toMatch(new RegExp(`approval of ${orderId} queued \\(op_review_${orderId}_\\w+\\)`));
  expect(await store.orders.get(orderId)).toMatchObject({ status: 'paid', entitlement: 'active' });
  const again = await settled(['orders', 'approve', orderId], env);
  expect(again.code).toBe(1);
  expect(again.output).toContain(`Order ${orderId} is paid, not waiting for review. Only an order in needs_review can be approved.`);
  const approvals = (await store.inbox.list({ limit: 50 })).filter((event) => event.type === 'settled.review_approved');
  expect(approvals.map((event) => [event.source, event.status])).toEqual([['operator', 'processed']]);
});

it('`settled refund` asks Stripe once per intent; the charge.refunded event, reconciled, changes the order', { timeout: SPAWNS }, async () => {
  const { orderId, env } = await shopWithPaidOrder();
  emulator!.pauseWebhooks();
  const first = await settled(['refund', orderId, '--amount', '500'], env);
  expect(first.code).toBe(0);
  const refundId = /refund (re_\S+): 500 usd/.exec(first.output)?.[1];
  expect(refundId).toBeDefined();
  expect(first.output).toContain("changes when Stripe's charge.refunded event is processed");
  // Nothing changed here yet: the order moves only by the event.
  expect((await store!.orders.get(orderId))?.status).toBe('paid');
  const again = await settled(['refund', orderId, '--amount', '500'], env);
  expect(again.output).toContain(`refund ${refundId}: 500 usd`);
  expect(emulator!.events().filter((event) => event.type === 'refund.created')).toHaveLength(1);

  const [tooMuch, unknown] = await Promise.all([settled(['refund', orderId, '--amount', '999999'], env), settled(['refund', 'ord_nope'], env)]);
  expect(tooMuch.code).toBe(1);
  expect(tooMuch.output).toMatch(/--amount 999999 is more than the \d+ usd not yet refunded/);
  expect(unknown.output).toContain('no order ord_nope');

  const reconciled = await settled(['reconcile'], env);
  expect(reconciled.code).toBe(0);
  expect((await store!.orders.get(orderId))).toMatchObject({ status: 'partially_refunded', amountRefunded: 500 });
});

it('`settled refund` against a Stripe that does not answer gives up within STRIPE_REQUEST_BUDGET_SECONDS and says to run it again', { timeout: SPAWNS }, async () => {
  const { orderId, env } = await shopWithPaidOrder();
  emulator!.pauseWebhooks();
  relay = await startTcpRelay({ host: '127.0.0.1', port: Number(new URL(emulator!.url).port) });
  await relay.setMode('silent');
  const behindRelay = { ...env, STRIPE_API_BASE: relay.url, STRIPE_REQUEST_BUDGET_SECONDS: '1.5' };

  const run = runCli(['refund', orderId], behindRelay);
  // Timed from the first Stripe request, not from the process start (loading the CLI takes its own seconds).
  await relay.nextConnection();
  const asked = performance.now();
  const code = await run.exited();
  expect(performance.now() - asked).toBeLessThan(1_500 + 1_000);
  expect(code).toBe(1);
  expect(run.output()).toContain('Stripe did not answer within 1.5 s');
  expect(run.output()).toContain('run the same command again');

  await relay.setMode('forward');
  const again = await settled(['refund', orderId], behindRelay);
  expect(again.code).toBe(0);
  expect(emulator!.events().filter((event) => event.type === 'refund.created')).toHaveLength(1);
});

it('the same partial refund asked from the dashboard and from `settled refund`, at once and one after the other, is one refund at Stripe', { timeout: SPAWNS }, async () => {
  const { orderId, env } = await shopWithPaidOrder({ adminToken: ADMIN_TOKEN });
  // Stripe's charge.refunded must not arrive in between: both surfaces decide from the same order.
  emulator!.pauseWebhooks();
  const admin = await signIn(shop!);
  const [fromDashboard, fromCli] = await Promise.all([
    admin.post(`/admin/orders/${orderId}/refund`, { amount: '3.00' }),
    settled(['refund', orderId, '--amount', '300'], env),
  ]);
  expect(fromDashboard).toMatchObject({ location: `/admin/orders/${orderId}`, notice: 'refund_requested' });
  expect(fromCli.code).toBe(0);
  const again = await settled(['refund', orderId, '--amount', '300'], env);
  expect(again.code).toBe(0);
  expect(await admin.post(`/admin/orders/${orderId}/refund`, { amount: '3.00' })).toMatchObject({ location: `/admin/orders/${orderId}`, notice: 'refund_requested' });
  const intent = (await shop!.stripe.checkout.sessions.retrieve((await store!.orders.get(orderId))!.checkoutSessionId!)).payment_intent as string;
  const refunds = await shop!.stripe.refunds.list({ payment_intent: intent });
  expect(refunds.data.map((refund) => refund.amount)).toEqual([300]);
  // Until Stripe's charge.refunded is processed the order is unchanged, and says that a refund is on its way.
  const shown = await settled(['orders', 'show', orderId], env);
  expect(shown.output).toMatch(/^ {2}status +paid$/m);
  expect(shown.output).toMatch(new RegExp(`^  refund +300 usd requested \\S+, waiting for Stripe \\(${refunds.data[0]!.id}\\)$`, 'm'));
  expect(shown.output.match(/waiting for Stripe/g)).toHaveLength(1);
});
