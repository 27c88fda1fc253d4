import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type Stripe from 'stripe';
import { startEmulator, type DeliveryAttempt, type RunningEmulator } from '../emulator/index.js';
import { createStripeClient } from '../src/stripe/gateway.js';
import { openStore, type Store } from '../src/store/index.js';
import { describeMachine, machineLine, type Machine } from './support/machine.js';
import { REPO_ROOT, spawnTs, waitForExit } from './support/process.js';

/*
 * The chaos soak: purchases of every kind through the emulator while webhooks are duplicated, shuffled and
 * failed, and settled is killed with SIGKILL and restarted; then every order is compared with the emulator's truth.
 *
 *   npm run soak                                  (SQLite, one process, 2,000 purchases, three kills)
 *   SOAK_STORE=postgres SOAK_PROCESSES=3 npm run soak
 *   SOAK_PURCHASES=300 SOAK_RESTARTS=1 npm run soak
 *
 * On PostgreSQL the database fails too (SOAK_DB_OUTAGES, default 3): at points spread over the run, every
 * connection settled holds is terminated again and again for two seconds, as a restart or failover does.
 */

type Scenario =
  | 'success'
  | 'decline_then_retry'
  | 'three_d_secure'
  | 'async_success'
  | 'async_failure'
  | 'refund_partial'
  | 'refund_full'
  | 'dispute_won'
  | 'dispute_lost';

// Mostly plain payments, as in a shop; every other path often enough to be exercised under chaos.
const MIX: readonly Scenario[] = [
  'success', 'success', 'success', 'success', 'decline_then_retry', 'three_d_secure', 'async_success', 'async_failure',
  'refund_partial', 'refund_full', 'dispute_won', 'dispute_lost',
];

const CARD = { ok: '4242424242424242', declined: '4000000000000002', threeDs: '4000002500003155', dispute: '4000000000000259' };
const IBAN = { succeeds: 'DE89370400440532013000', fails: 'DE62370400440532013001' };

interface Purchase {
  readonly orderId: string;
  readonly sessionId: string;
  readonly scenario: Scenario;
}

interface Options {
  readonly store: 'sqlite' | 'postgres';
  readonly processes: number;
  readonly purchases: number;
  readonly restarts: number;
  /** PostgreSQL only: how many times settled's connections are terminated, repeatedly, for OUTAGE_MS. */
  readonly databaseOutages: number;
  readonly concurrency: number;
  readonly databaseUrl: string;
  readonly convergeTimeoutMs: number;
  /** Where the report is written; the test suite's short soak writes to a temporary folder. */
  readonly resultsDir: string;
}

function options(): Options {
  const store = process.env.SOAK_STORE === 'postgres' ? 'postgres' : 'sqlite';
  return {
    store,
    processes: Number(process.env.SOAK_PROCESSES ?? (store === 'postgres' ? 3 : 1)),
    purchases: Number(process.env.SOAK_PURCHASES ?? 2000),
    restarts: Number(process.env.SOAK_RESTARTS ?? 3),
    databaseOutages: store === 'postgres' ? Number(process.env.SOAK_DB_OUTAGES ?? 3) : 0,
    concurrency: Number(process.env.SOAK_CONCURRENCY ?? 8),
    databaseUrl: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    convergeTimeoutMs: Number(process.env.SOAK_CONVERGE_TIMEOUT_MS ?? 240_000),
    resultsDir: process.env.SOAK_RESULTS_DIR ?? join(REPO_ROOT, 'bench', 'results'),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OUTAGE_MS = 2_000;

/**
 * A database outage as settled meets it: every connection of its processes (found by their application_name, so
 * nothing else on the server is touched) terminated every 200 ms for OUTAGE_MS. Returns how many were terminated.
 */
async function databaseOutage(databaseUrl: string, applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  let terminated = 0;
  try {
    const until = performance.now() + OUTAGE_MS;
    while (performance.now() < until) {
      const { rows } = await admin.query<{ n: number }>(
        'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1) t',
        [applicationName],
      );
      terminated += rows[0]?.n ?? 0;
      await sleep(200);
    }
  } finally {
    await admin.end();
  }
  return terminated;
}

/** One `settled serve` child: killed with SIGKILL and started again on the same port and data. */
class ServeProcess {
  child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawnTs('src/cli/main.ts', { ...this.env, PORT: String(this.port), PUBLIC_URL: this.url }, 'inherit', ['serve']);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`settled serve on ${this.port} exited with ${this.child.exitCode}`);
      try {
        const response = await fetch(`${this.url}/api/catalog`);
        await response.arrayBuffer();
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`settled serve on ${this.port} did not start in 60 s`);
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await waitForExit(this.child, 5_000);
    this.child = undefined;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    await waitForExit(this.child, 10_000);
    this.child = undefined;
  }
}

/** Retries while the process we asked is down (killed) or restarting; any other answer is final. */
async function postCheckout(servers: readonly ServeProcess[], attempt: number): Promise<{ orderId: string; sessionId: string; checkoutUrl: string }> {
  const deadline = Date.now() + 90_000;
  for (let i = attempt; Date.now() < deadline; i++) {
    const server = servers[i % servers.length]!;
    try {
      const response = await fetch(`${server.url}/api/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ sku: 'field-notes', quantity: 1 }] }),
      });
      const body = (await response.json()) as { orderId: string; sessionId: string; checkoutUrl: string };
      if (response.status === 201) return body;
      if (response.status < 500) throw new Error(`checkout answered ${response.status}: ${JSON.stringify(body)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('checkout answered')) throw error;
    }
    await sleep(100);
  }
  throw new Error('checkout: no settled process answered for 90 s');
}

async function form(url: string, fields: Record<string, string>): Promise<{ status: number; location: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get('location') };
}

async function paymentIntentOf(stripe: Stripe, sessionId: string): Promise<string> {
  const session = await stripe.checkout.sessions.retrieve(sessionId);
  const intent = session.payment_intent;
  if (!intent) throw new Error(`session ${sessionId} has no payment intent`);
  return typeof intent === 'string' ? intent : intent.id;
}

async function buy(stripe: Stripe, emulator: RunningEmulator, servers: readonly ServeProcess[], index: number): Promise<Purchase> {
  const scenario = MIX[index % MIX.length]!;
  const { orderId, sessionId, checkoutUrl } = await postCheckout(servers, index);
  const expectRedirect = async (fields: Record<string, string>) => {
    const answer = await form(checkoutUrl, fields);
    if (answer.status !== 303) throw new Error(`${scenario}: hosted page answered ${answer.status}`);
    return answer;
  };
  switch (scenario) {
    case 'decline_then_retry': {
      const declined = await form(checkoutUrl, { card_number: CARD.declined });
      if (declined.status !== 402) throw new Error(`declined card answered ${declined.status}`);
      await expectRedirect({ card_number: CARD.ok });
      break;
    }
    case 'three_d_secure': {
      const challenge = await expectRedirect({ card_number: CARD.threeDs });
      const approved = await form(new URL(challenge.location ?? '', emulator.url).toString(), { action: 'approve' });
      if (approved.status !== 303) throw new Error(`3DS approval answered ${approved.status}`);
      break;
    }
    case 'async_success':
      await expectRedirect({ iban: IBAN.succeeds });
      break;
    case 'async_failure':
      await expectRedirect({ iban: IBAN.fails });
      break;
    case 'refund_partial':
    case 'refund_full': {
      await expectRedirect({ card_number: CARD.ok });
      const intent = await paymentIntentOf(stripe, sessionId);
      await stripe.refunds.create(scenario === 'refund_partial' ? { payment_intent: intent, amount: 500 } : { payment_intent: intent });
      break;
    }
    case 'dispute_won':
    case 'dispute_lost': {
      await expectRedirect({ card_number: CARD.dispute });
      const intent = await paymentIntentOf(stripe, sessionId);
      const [dispute] = (await stripe.disputes.list({ payment_intent: intent, limit: 1 })).data;
      if (!dispute) throw new Error(`no dispute opened for ${intent}`);
      if (scenario === 'dispute_won') await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' }, submit: true });
      else await stripe.disputes.close(dispute.id);
      break;
    }
    case 'success':
      await expectRedirect({ card_number: CARD.ok });
      break;
  }
  return { orderId, sessionId, scenario };
}

interface Truth {
  readonly status: string;
  readonly fulfilled: boolean;
}

/** What the order should be, read from the emulator's objects alone (the reducer's precedence, from Stripe's side). */
async function truthOf(stripe: Stripe, purchase: Purchase): Promise<Truth> {
  const session = await stripe.checkout.sessions.retrieve(purchase.sessionId, { expand: ['payment_intent'] });
  const intent = session.payment_intent as Stripe.PaymentIntent | null;
  if (!intent || intent.status !== 'succeeded') {
    if (intent?.status === 'processing') return { status: 'pending', fulfilled: false };
    return { status: intent?.last_payment_error ? 'payment_failed' : 'pending', fulfilled: false };
  }
  const charge = await stripe.charges.retrieve(String(intent.latest_charge));
  const disputes = (await stripe.disputes.list({ payment_intent: intent.id })).data;
  if (disputes.some((d) => d.status === 'lost')) return { status: 'dispute_lost', fulfilled: true };
  if (disputes.some((d) => d.status !== 'won' && d.status !== 'lost')) return { status: 'disputed', fulfilled: true };
  if (charge.amount_refunded >= intent.amount) return { status: 'refunded', fulfilled: true };
  if (charge.amount_refunded > 0) return { status: 'partially_refunded', fulfilled: true };
  return { status: 'paid', fulfilled: true };
}

interface Comparison {
  readonly notConverged: { orderId: string; scenario: Scenario; here: string; truth: string }[];
  readonly fulfilledTwice: string[];
  readonly eventsLost: string[];
  readonly deadLetters: number;
}

async function compare(store: Store, stripe: Stripe, emulator: RunningEmulator, purchases: readonly Purchase[], truths: Map<string, Truth>): Promise<Comparison> {
  const notConverged: Comparison['notConverged'] = [];
  for (const purchase of purchases) {
    const truth = truths.get(purchase.orderId)!;
    const order = await store.orders.get(purchase.orderId);
    const fulfilled = order?.fulfilledAt != null;
    if (order?.status !== truth.status || fulfilled !== truth.fulfilled) {
      notConverged.push({ orderId: purchase.orderId, scenario: purchase.scenario, here: `${order?.status}${fulfilled ? ' (fulfilled)' : ''}`, truth: `${truth.status}${truth.fulfilled ? ' (fulfilled)' : ''}` });
    }
  }
  const notices = await store.outbox.list({ limit: 1_000_000 });
  const fulfilledNotices = new Map<string, number>();
  for (const notice of notices) {
    if (notice.kind === 'order.fulfilled') fulfilledNotices.set(notice.orderId, (fulfilledNotices.get(notice.orderId) ?? 0) + 1);
  }
  const fulfilledTwice = [...fulfilledNotices.entries()].filter(([, count]) => count > 1).map(([id]) => id);
  const inbox = await store.inbox.list({ limit: 10_000_000 });
  const stored = new Set(inbox.map((event) => event.id));
  const eventsLost = emulator.events().filter((event) => !stored.has(event.id)).map((event) => event.id);
  const deadLetters = inbox.filter((event) => event.status === 'dead').length;
  void stripe;
  return { notConverged, fulfilledTwice, eventsLost, deadLetters };
}

async function runReconcile(env: Record<string, string>): Promise<string> {
  if (!existsSync(join(REPO_ROOT, 'src/cli/commands/reconcile.ts'))) return 'not run: `settled reconcile` does not exist yet';
  const child = spawnTs('src/cli/main.ts', env, 'pipe', ['reconcile']);
  child.stdout?.setEncoding('utf8');
  let output = '';
  child.stdout?.on('data', (chunk: string) => (output += chunk));
  const code = await waitForExit(child, 120_000);
  return `exit ${code}: ${output.trim().split('\n').slice(0, 6).join(' | ')}`;
}

async function main(): Promise<void> {
  const opts = options();
  // The SQLite soak's processes must not pick up a DATABASE_URL from the caller's shell and run on PostgreSQL.
  if (opts.store === 'sqlite') delete process.env.DATABASE_URL;
  const machine: Machine = describeMachine();
  const dataDir = mkdtempSync(join(tmpdir(), 'settled-soak-'));
  const seed = Number(process.env.SOAK_SEED ?? 7);
  const emulator = await startEmulator({
    port: 0,
    // Long enough to outlast a kill and restart; the emulator never fails the last attempt by chaos.
    retryScheduleMs: [200, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000],
    asyncSettleSeconds: 2,
    chaos: { duplicates: 3, shuffleWindowMs: 300, failRate: 0.1, seed },
  });
  const stripe = createStripeClient({ secretKey: 'sk_test_soak', apiBase: emulator.url });
  let schema: string | undefined;
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STRIPE_SECRET_KEY: 'sk_test_soak',
    STRIPE_API_BASE: emulator.url,
    ORDER_REF_SECRET: 'soak-order-ref-secret-0123456789abcdef',
    LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'error',
    // Every buyer and every delivery here comes from 127.0.0.1; per-address limits would throttle the soak itself.
    RATE_LIMIT_PER_MINUTE: '1000000',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '10000000',
  };
  if (opts.store === 'postgres') {
    schema = `soak_${randomBytes(5).toString('hex')}`;
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    await client.query(`create schema "${schema}"`);
    await client.end();
    const url = new URL(opts.databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    // Names settled's connections, so that the outages below end those and no one else's.
    url.searchParams.set('application_name', schema);
    env.DATABASE_URL = url.toString();
  }
  // Every process gets its own endpoint, so each event reaches every process: duplicates across processes too.
  const ports = await Promise.all(Array.from({ length: opts.processes }, () => freePort()));
  const servers: ServeProcess[] = [];
  const secrets: string[] = [];
  for (const port of ports) {
    const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/api/webhooks/stripe`, enabled_events: ['*'] });
    secrets.push(endpoint.secret ?? '');
  }
  for (const port of ports) servers.push(new ServeProcess(port, { ...env, STRIPE_WEBHOOK_SECRET: secrets.join(',') }));
  // If the soak itself dies, take its children along rather than leave them serving.
  process.once('exit', () => {
    for (const server of servers) server.child?.kill('SIGKILL');
  });
  for (const server of servers) await server.start();
  console.log(
    `soak: ${opts.purchases} purchases, ${opts.store}, ${opts.processes} process(es), ${opts.restarts} SIGKILL restarts, ${opts.databaseOutages} database outages, chaos duplicates ≤3, shuffle 300 ms, 10% failed deliveries`,
  );

  const started = performance.now();
  const purchases: Purchase[] = [];
  const killAt = Array.from({ length: opts.restarts }, (_, k) => Math.floor(((k + 1) * opts.purchases) / (opts.restarts + 1)));
  const kills: { afterPurchases: number; process: number; downMs: number }[] = [];
  // Outages fall between the kills, so that each fault is met on its own.
  const outageAt = Array.from({ length: opts.databaseOutages }, (_, k) => Math.floor(((k + 0.5) * opts.purchases) / opts.databaseOutages));
  const outages: { afterPurchases: number; terminated: number }[] = [];
  let outage: Promise<void> = Promise.resolve();
  let next = 0;
  let killing: Promise<void> = Promise.resolve();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.purchases) {
        const index = next++;
        if (killAt.includes(index)) {
          const victim = servers[kills.length % servers.length]!;
          const k = kills.length;
          kills.push({ afterPurchases: index, process: k % servers.length, downMs: 0 });
          killing = killing.then(async () => {
            const down = performance.now();
            await victim.kill();
            await sleep(500);
            await victim.start();
            kills[k] = { ...kills[k]!, downMs: Math.round(performance.now() - down) };
            console.log(`soak: killed process ${k % servers.length} after ${index} purchases; back in ${kills[k]!.downMs} ms`);
          });
        }
        if (outageAt.includes(index) && schema !== undefined) {
          const o = outages.length;
          outages.push({ afterPurchases: index, terminated: 0 });
          outage = outage.then(async () => {
            outages[o] = { afterPurchases: index, terminated: await databaseOutage(opts.databaseUrl, schema) };
            console.log(`soak: database outage after ${index} purchases: ${outages[o]!.terminated} connections terminated in ${OUTAGE_MS} ms`);
          });
        }
        purchases.push(await buy(stripe, emulator, servers, index));
        if (purchases.length % 250 === 0) console.log(`soak: ${purchases.length} purchases`);
      }
    }),
  );
  await killing;
  await outage;
  const drivenSeconds = (performance.now() - started) / 1000;
  const drivenAt = performance.now();
  console.log(`soak: purchases done in ${drivenSeconds.toFixed(1)} s; waiting for deliveries`);
  // SEPA debits settle on the emulator clock; move it rather than wait.
  emulator.advanceClock(5);
  await emulator.settle(180_000);

  const reconcile = await runReconcile({ ...env, STRIPE_WEBHOOK_SECRET: secrets.join(',') });
  console.log(`soak: reconcile ${reconcile}`);

  const store =
    opts.store === 'postgres'
      ? await openStore({ kind: 'postgres', connectionString: opts.databaseUrl, schema: schema! })
      : await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  const truths = new Map<string, Truth>();
  for (const purchase of purchases) truths.set(purchase.orderId, await truthOf(stripe, purchase));
  let comparison = await compare(store, stripe, emulator, purchases, truths);
  const deadline = performance.now() + opts.convergeTimeoutMs;
  while (comparison.notConverged.length > 0 && performance.now() < deadline) {
    await sleep(1_000);
    comparison = await compare(store, stripe, emulator, purchases, truths);
  }
  const convergeSeconds = (performance.now() - drivenAt) / 1000;
  const { counts } = await store.inbox.stats();
  await store.close();
  // Only the soak's own SIGKILLs may end a process; one that exited by itself (a database outage used to do it) failed.
  const exitedUnasked = servers.filter((server) => server.child === undefined || server.child.exitCode !== null || server.child.signalCode !== null).length;
  for (const server of servers) await server.stop();
  const deliveries = emulator.deliveries();
  await emulator.close();
  if (schema) {
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
  rmSync(dataDir, { recursive: true, force: true });

  const byScenario: Record<string, number> = {};
  for (const p of purchases) byScenario[p.scenario] = (byScenario[p.scenario] ?? 0) + 1;
  const report = {
    machine,
    command: `SOAK_STORE=${opts.store} SOAK_PROCESSES=${opts.processes} SOAK_PURCHASES=${opts.purchases} SOAK_RESTARTS=${opts.restarts}${opts.store === 'postgres' ? ` SOAK_DB_OUTAGES=${opts.databaseOutages}` : ''} npm run soak`,
    options: { ...opts, databaseUrl: undefined, resultsDir: undefined, seed },
    purchases: purchases.length,
    byScenario,
    kills,
    databaseOutages: outages,
    processesExitedUnasked: exitedUnasked,
    emulatorEvents: emulatorEventCount(deliveries),
    deliveryAttempts: deliveries.length,
    failedDeliveryAttempts: deliveries.filter((d) => !d.ok).length,
    failedBy: failedBy(deliveries),
    inbox: counts,
    reconcile,
    drivenSeconds,
    eventsLost: comparison.eventsLost.length,
    ordersFulfilledTwice: comparison.fulfilledTwice.length,
    ordersNotConverged: comparison.notConverged.length,
    deadLetters: comparison.deadLetters,
    secondsToConverge: comparison.notConverged.length === 0 ? convergeSeconds : null,
    notConvergedSample: comparison.notConverged.slice(0, 10),
    lostSample: comparison.eventsLost.slice(0, 10),
  };
  const resultsDir = opts.resultsDir;
  mkdirSync(resultsDir, { recursive: true });
  const name = `soak-${opts.store}`;
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${name}.md`), soakMarkdown(report, machine));
  console.log(
    `soak: processes exited unasked ${report.processesExitedUnasked}, events lost ${report.eventsLost}, refused ${report.failedBy.refused}, timed out ${report.failedBy.timedOut}, answered 5xx ${report.failedBy.serverError}, fulfilled twice ${report.ordersFulfilledTwice}, not converged ${report.ordersNotConverged}, dead letters ${report.deadLetters}, converged ${report.secondsToConverge?.toFixed(1) ?? 'NO'} s after the last purchase`,
  );
  // A 4xx tells Stripe never to resend: for an event the emulator signed, that would be an event lost.
  if (report.eventsLost + report.ordersFulfilledTwice + report.ordersNotConverged + report.failedBy.refused + report.processesExitedUnasked > 0) process.exitCode = 1;
}

/**
 * Why attempts failed: the chaos's own failures, a process that was down (killed or restarting: the connection
 * failed), settled not answering within the emulator's delivery timeout (it was up but hung), settled answering 5xx
 * (the store was unavailable; Stripe retries), or settled refusing a genuine event with 4xx (must be 0).
 */
function failedBy(deliveries: readonly Pick<DeliveryAttempt, 'ok' | 'status' | 'failure'>[]): FailedBy {
  const counts: FailedBy = { chaos: 0, unreachable: 0, timedOut: 0, serverError: 0, refused: 0 };
  for (const d of deliveries) {
    if (d.ok) continue;
    if (d.failure === 'chaos') counts.chaos++;
    else if (d.failure === 'timeout') counts.timedOut++;
    else if (d.failure === 'connection') counts.unreachable++;
    else if ((d.status ?? 0) >= 500) counts.serverError++;
    else counts.refused++;
  }
  return counts;
}

interface FailedBy {
  chaos: number;
  unreachable: number;
  timedOut: number;
  serverError: number;
  refused: number;
}

function emulatorEventCount(deliveries: { event_id: string }[]): number {
  return new Set(deliveries.map((d) => d.event_id)).size;
}

function soakMarkdown(report: {
  command: string;
  purchases: number;
  byScenario: Record<string, number>;
  kills: { afterPurchases: number; process: number; downMs: number }[];
  databaseOutages: { afterPurchases: number; terminated: number }[];
  processesExitedUnasked: number;
  emulatorEvents: number;
  deliveryAttempts: number;
  failedDeliveryAttempts: number;
  failedBy: FailedBy;
  reconcile: string;
  drivenSeconds: number;
  eventsLost: number;
  ordersFulfilledTwice: number;
  ordersNotConverged: number;
  deadLetters: number;
  secondsToConverge: number | null;
}, machine: Machine): string {
  return `${[
    '# Chaos soak',
    '',
    machineLine(machine),
    '',
    `Command: \`${report.command}\``,
    '',
    `Purchases: ${report.purchases} (${Object.entries(report.byScenario).map(([k, v]) => `${k} ${v}`).join(', ')}), driven in ${report.drivenSeconds.toFixed(1)} s.`,
    `Chaos: each event delivered 1–3 times, shuffled within 300 ms, 10% of attempts failed; ${report.deliveryAttempts} delivery attempts for ${report.emulatorEvents} events, ${report.failedDeliveryAttempts} failed (${report.failedBy.chaos} by the chaos, ${report.failedBy.unreachable} while a process was down, ${report.failedBy.timedOut} timed out, ${report.failedBy.serverError} answered 5xx by settled, ${report.failedBy.refused} refused with 4xx).`,
    `Kills (SIGKILL, restart): ${report.kills.map((k) => `process ${k.process} after ${k.afterPurchases} purchases, down ${k.downMs} ms`).join('; ') || 'none'}.`,
    `Database outages (every connection terminated every 200 ms for ${OUTAGE_MS / 1000} s): ${report.databaseOutages.map((o) => `after ${o.afterPurchases} purchases, ${o.terminated} terminated`).join('; ') || 'none'}.`,
    `Reconcile: ${report.reconcile}`,
    '',
    '| check | result |',
    '| --- | ---: |',
    `| processes that exited unasked | ${report.processesExitedUnasked} |`,
    `| events lost | ${report.eventsLost} |`,
    `| orders fulfilled twice | ${report.ordersFulfilledTwice} |`,
    `| orders not converged | ${report.ordersNotConverged} |`,
    `| dead letters | ${report.deadLetters} |`,
    `| deliveries settled did not answer in time | ${report.failedBy.timedOut} |`,
    `| deliveries answered 5xx by settled | ${report.failedBy.serverError} |`,
    `| genuine deliveries refused with 4xx | ${report.failedBy.refused} |`,
    `| time to converge after the last purchase | ${report.secondsToConverge === null ? 'did not converge' : `${report.secondsToConverge.toFixed(1)} s`} |`,
  ].join('\n')}\n`;
}

await main();
