import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../support/cli.js';

const runs: CliRun[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null) {
      run.child.kill('SIGTERM');
      await run.exited();
    }
  }
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function cli(args: string[]): CliRun {
  const run = runCli(['emulator', ...args], {});
  runs.push(run);
  return run;
}

/** Runs a one-shot command (trigger, events resend) to completion and returns its output. */
async function command(args: string[]): Promise<string> {
  const run = cli(args);
  const code = await run.exited();
  if (code !== 0) throw new Error(`settled emulator ${args.join(' ')} exited ${code}:\n${run.output()}`);
  return run.output();
}

const verifier = new Stripe('sk_test_verifier');

interface Shop {
  url: string;
  /** Every event the app accepted, verified with the secret `listen` printed. */
  verified: Stripe.Event[];
  /** Every request that failed verification: must stay empty. */
  rejected: string[];
  /** Answer 500 to the first delivery of events of this type. */
  failFirst: Set<string>;
  secret: string;
  waitFor(match: (events: Stripe.Event[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** The tutorial's webhook route: express.raw and stripe.webhooks.constructEvent on /api/webhook. */
async function startShop(): Promise<Shop> {
  const waiters = new Set<() => void>();
  const failed = new Set<string>();
  const shop: Shop = {
    url: '',
    verified: [],
    rejected: [],
    failFirst: new Set(),
    secret: '',
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the shop did not get the expected events within ${timeoutMs} ms: ${shop.verified.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        const check = (): void => {
          if (!match(shop.verified)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
  const app = express();
  app.post('/api/webhook', express.raw({ type: 'application/json' }), (request, response) => {
    let event: Stripe.Event;
    try {
      event = verifier.webhooks.constructEvent(request.body as Buffer, String(request.headers['stripe-signature']), shop.secret);
    } catch (error) {
      shop.rejected.push((error as Error).message);
      response.status(400).send(`Webhook Error: ${(error as Error).message}`);
      return;
    }
    if (shop.failFirst.has(event.type) && !failed.has(event.id)) {
      failed.add(event.id);
      response.status(500).send('not yet');
      return;
    }
    shop.verified.push(event);
    response.json({ received: true });
    for (const waiter of [...waiters]) waiter();
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  shop.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhook`;
  return shop;
}

/** `listen` with an emulator of its own, on a free port, retrying within milliseconds. */
async function listenTo(shop: Shop, extra: string[] = []): Promise<{ run: CliRun; apiBase: string }> {
  const run = cli(['listen', '--forward-to', shop.url, '--port', '0', '--retry-schedule-ms', '50,100,200', ...extra]);
  const [, apiBase = ''] = await run.waitFor(/listening on (http:\/\/\S+)/);
  const [, secret = ''] = await run.waitFor(/Your webhook signing secret is (whsec_\w+)/);
  shop.secret = secret;
  return { run, apiBase };
}

describe('settled emulator', () => {
  it('takes the emulator\'s own flags and answers the official SDK', async () => {
    const run = cli(['--port', '0', '--duplicates', '2', '--seed', '9']);
    const [, url] = await run.waitFor(/listening on (http:\/\/\S+)/);
    const { port } = new URL(url!);
    const stripe = new Stripe('sk_test_cli', { host: '127.0.0.1', port: Number(port), protocol: 'http' });
    const customer = await stripe.customers.create({ email: 'cli@example.com' });
    expect(customer.id).toMatch(/^cus_/);
    const chaos = (await (await fetch(`${url}/_emulator/chaos`)).json()) as { duplicates: number; seed: number };
    expect(chaos).toMatchObject({ duplicates: 2, seed: 9 });
  });

  it('says what is wrong with a flag and exits 1', async () => {
    const run = cli(['--port', 'abc']);
    expect(await run.exited()).toBe(1);
    expect(run.output()).toContain("--port must be a number, got 'abc'");
  });

  it('--seed creates the file\'s products, prices and customers with their ids, before the first request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settled-seed-'));
    const file = join(dir, 'seed.json');
    writeFileSync(file, JSON.stringify({
      products: [{ id: 'prod_guide', name: 'Field guide' }],
      prices: [{ id: 'price_guide', product: 'prod_guide', currency: 'usd', unit_amount: 1500, lookup_key: 'guide' }],
      customers: [{ id: 'cus_ada', email: 'ada@shop.test' }],
    }));
    const run = cli(['--port', '0', '--seed', file]);
    const [, url = ''] = await run.waitFor(/listening on (http:\/\/\S+)/);
    const stripe = new Stripe('sk_test_cli', { host: '127.0.0.1', port: Number(new URL(url).port), protocol: 'http' });
    expect(await stripe.prices.retrieve('price_guide')).toMatchObject({ unit_amount: 1500, product: 'prod_guide', lookup_key: 'guide' });
    expect(await stripe.customers.retrieve('cus_ada')).toMatchObject({ email: 'ada@shop.test' });
  });

  it('--seed names the entry that is wrong and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settled-seed-'));
    const file = join(dir, 'seed.json');
    writeFileSync(file, JSON.stringify({ prices: [{ id: 'price_x', currency: 'usd' }] }));
    const run = cli(['--port', '0', '--seed', file]);
    expect(await run.exited()).toBe(1);
    expect(run.output()).toContain('seed prices[0] (price_x): Missing required param: unit_amount.');
  });
});

describe('settled emulator listen and trigger', () => {
  it('forwards every triggered event, in order and signed, to an Express app that verifies them with the printed secret', async () => {
    const shop = await startShop();
    const { run, apiBase } = await listenTo(shop);
    const output = await command(['trigger', 'checkout.session.completed', '--api-base', apiBase, '--add', 'checkout_session:metadata.order_id=42']);
    expect(output).toContain('Trigger succeeded!');
    await shop.waitFor((events) => events.some((e) => e.type === 'checkout.session.completed'));
    expect(shop.rejected).toEqual([]);
    expect(shop.verified.map((e) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
    const completed = shop.verified.find((e) => e.type === 'checkout.session.completed')?.data.object as Stripe.Checkout.Session;
    expect(completed.metadata).toEqual({ order_id: '42' });
    const [, eventId] = await run.waitFor(/--> checkout\.session\.completed \[(evt_\w+)\]/);
    await run.waitFor(new RegExp(`<--  \\[200\\] POST ${shop.url.replace(/[.]/g, '\\.')} \\[${eventId}\\]`));
  });

  it('retries a delivery the app fails, on the emulator\'s schedule, and prints both answers', async () => {
    const shop = await startShop();
    shop.failFirst.add('payment_intent.succeeded');
    const { run, apiBase } = await listenTo(shop);
    await command(['trigger', 'payment_intent.succeeded', '--api-base', apiBase]);
    await shop.waitFor((events) => events.some((e) => e.type === 'payment_intent.succeeded'));
    const [, eventId] = await run.waitFor(/<-- {2}\[500\] POST \S+ \[(evt_\w+)\] \(will retry at/);
    await run.waitFor(new RegExp(`--> payment_intent\\.succeeded \\[${eventId}\\] \\(retry 1\\)`));
    await run.waitFor(new RegExp(`<--  \\[200\\] POST \\S+ \\[${eventId}\\]`));
    expect(shop.verified.find((e) => e.type === 'payment_intent.succeeded')?.id).toBe(eventId);
    expect(shop.rejected).toEqual([]);
  });

  it('--events forwards only the chosen types', async () => {
    const shop = await startShop();
    const { apiBase } = await listenTo(shop, ['--events', 'payment_intent.succeeded,charge.refunded']);
    await command(['trigger', 'charge.refunded', '--api-base', apiBase]);
    await shop.waitFor((events) => events.some((e) => e.type === 'charge.refunded'));
    const settled = (await (await fetch(`${apiBase}/_emulator/settle`, { method: 'POST' })).json()) as { settled: boolean };
    expect(settled.settled).toBe(true);
    expect(shop.verified.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'charge.refunded']);
  });

  it('events resend sends a delivered event again, and --print-secret prints the secret listen signs with', async () => {
    const shop = await startShop();
    const { apiBase } = await listenTo(shop, ['--events', 'payment_intent.canceled']);
    await command(['trigger', 'payment_intent.canceled', '--api-base', apiBase]);
    await shop.waitFor((events) => events.length === 1);
    const [first] = shop.verified;
    const resent = await command(['events', 'resend', first?.id ?? '', '--api-base', apiBase]);
    expect(resent).toContain(`"id": "${first?.id ?? ''}"`);
    await shop.waitFor((events) => events.length === 2);
    expect(shop.verified.map((e) => e.id)).toEqual([first?.id, first?.id]);
    expect((await command(['listen', '--print-secret', '--api-base', apiBase])).trim()).toBe(shop.secret);
  });

  it('trigger refuses an event it has no fixture for, listing the ones it has', async () => {
    const run = cli(['trigger', 'invoice.paid', '--api-base', 'http://127.0.0.1:9']);
    expect(await run.exited()).toBe(1);
    expect(run.output()).toContain("The event 'invoice.paid' is not supported");
    expect(run.output()).toContain('checkout.session.async_payment_failed');
  });
});
