import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, type CliRun } from '../../support/cli.js';
import { payOnHostedPage } from '../../support/hosted-page.js';
import { createScratchDatabase, postgresReachable, type ScratchDatabase } from '../scale/scratch-database.js';

// The README's Python shop, run as a shop would run it (python3, standard library only) against `settled serve`
// with its built-in emulator, on SQLite and on PostgreSQL.
const POSTGRES_SUITE = 'the Python example on PostgreSQL';
const postgresRunnable = await postgresReachable(POSTGRES_SUITE);

let serve: CliRun | undefined;
let python: ChildProcess | undefined;
let database: ScratchDatabase | undefined;
const dirs: string[] = [];
afterEach(async () => {
  python?.kill('SIGKILL');
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited();
  }
  await database?.drop();
  database = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SCENARIO = 'the Python example creates an order through the API and fulfils it on the verified notification, once';

it(SCENARIO, { timeout: 90_000 }, async () => {
  await runPythonShop({});
});

describe.skipIf(!postgresRunnable)(POSTGRES_SUITE, () => {
  it(SCENARIO, { timeout: 90_000 }, async () => {
    database = await createScratchDatabase();
    await runPythonShop({ DATABASE_URL: database.url });
    // settled kept the order in PostgreSQL, not in a SQLite file beside it.
    expect(await database.query('select status from orders')).toEqual([{ status: 'paid' }]);
  });
});

/** Starts `settled serve` (with `store` in its environment) and the Python shop, buys, pays and checks the fulfilment. */
async function runPythonShop(store: { DATABASE_URL?: string }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'settled-python-shop-'));
  dirs.push(dir);
  const apiKey = ['key', 'py'.repeat(20)].join('_');
  const secret = ['ntf', 'sh'.repeat(20)].join('_');
  const shopPort = await freePort();
  serve = runCli(['serve'], {
    PORT: '0',
    DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'info',
    SETTLED_API_KEYS: apiKey,
    SETTLED_NOTIFY_URL: `http://127.0.0.1:${shopPort}/settled/notify`,
    // The shop verifies with the second secret: a rotation in progress.
    SETTLED_NOTIFY_SECRET: `${['ntf', 'old'.repeat(14)].join('_')},${secret}`,
    ...store,
  });
  const [, settledUrl] = await serve.waitFor(/settled is serving on (http:\/\/\S+)/, 60_000);

  let shopOutput = '';
  python = spawn('python3', [join(ROOT, 'examples/python-shop/shop.py')], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', PORT: String(shopPort), SETTLED_URL: settledUrl ?? '', SETTLED_API_KEY: apiKey, SETTLED_NOTIFY_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  python.stdout?.on('data', (chunk: Buffer) => (shopOutput += chunk.toString()));
  python.stderr?.on('data', (chunk: Buffer) => (shopOutput += chunk.toString()));
  const shop = `http://127.0.0.1:${shopPort}`;
  await until(async () => ((await fetch(`${shop}/`)).ok ? true : undefined), `the Python shop to listen (${shopOutput})`);

  const bought = await fetch(`${shop}/buy`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'sku=poster&email=buyer%40example.com',
    redirect: 'manual',
  });
  expect(bought.status).toBe(303);
  const checkoutUrl = bought.headers.get('location') ?? '';
  expect(checkoutUrl).toMatch(/\/c\/pay\/cs_/);
  expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);

  type Fulfilled = { notification: string; type: string; order: string; email: string };
  const fulfilled = await until(async () => {
    const list = (await (await fetch(`${shop}/fulfilled`)).json()) as Fulfilled[];
    return list.length > 0 ? list : undefined;
  }, `a fulfilment (shop said: ${shopOutput})`);
  expect(fulfilled).toEqual([{ notification: expect.stringMatching(/^ntf_\d+$/), type: 'order.paid', order: expect.stringMatching(/^ord_/), email: 'buyer@example.com' }]);

  // The API agrees: the order is paid, and the pull API holds the same notification.
  const auth = { authorization: `Bearer ${apiKey}` };
  const order = (await (await fetch(`${settledUrl}/api/v1/orders/${fulfilled[0]?.order}`, { headers: auth })).json()) as { order: { status: string; amountTotal: number } };
  expect(order.order).toMatchObject({ status: 'paid', amountTotal: 1800 });
  // On PostgreSQL the pull API shows a notification only once it is a few seconds old (ids there are not in commit order).
  const events = await until(async () => {
    const page = (await (await fetch(`${settledUrl}/api/v1/events`, { headers: auth })).json()) as { data: { id: string }[] };
    return page.data.length > 0 ? page : undefined;
  }, 'the notification in the pull API');
  expect(events.data.map((event) => event.id)).toEqual([fulfilled[0]?.notification]);
  // A forged notification is refused and fulfils nothing.
  const forged = JSON.stringify({ id: 'ntf_999', type: 'order.paid', created: 1, previousStatus: 'pending', data: { order: { id: 'ord_forged', email: null } } });
  const refused = await fetch(`${shop}/settled/notify`, { method: 'POST', headers: { 'settled-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` }, body: forged });
  expect(refused.status).toBe(400);
  expect(((await (await fetch(`${shop}/fulfilled`)).json()) as unknown[]).length).toBe(1);
  // Neither the key nor the secrets reached settled's log.
  expect(serve.output()).not.toContain(apiKey);
  expect(serve.output()).not.toContain(secret);
}
