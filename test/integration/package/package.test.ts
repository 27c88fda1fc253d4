import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;

interface PackEntry {
  readonly files: readonly { readonly path: string }[];
}

// What npm would publish, and what the examples import, is what is in dist/ now: build it once for this file.
beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: root });
}, 120_000);

describe('the npm package', () => {
  let files: string[] = [];

  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    files = (JSON.parse(stdout) as PackEntry[])[0]?.files.map((file) => file.path) ?? [];
  }, 60_000);

  it('ships the compiled library with type declarations for every export', () => {
    for (const path of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/adapters/express-entry.js',
      'dist/src/adapters/express-entry.d.ts',
      'dist/emulator/index.js',
      'dist/emulator/index.d.ts',
      'dist/src/cli/main.js',
      'package.json',
      'README.md',
      'CHANGELOG.md',
    ]) {
      expect(files).toContain(path);
    }
  });

  it('ships no tests, data, secrets, sources or benchmarks', () => {
    const forbidden = files.filter(
      (path) => /^(test|data|bench|src|emulator|examples|node_modules)\//.test(path) || /(^|\/)\.env/.test(path) || /\.test\.(js|ts)$/.test(path),
    );
    expect(forbidden).toEqual([]);
  });

  it('the bin named in package.json is in the package and runs from dist', async () => {
    const { stdout: manifest } = await run('npm', ['pkg', 'get', 'bin', 'exports'], { cwd: root });
    const { bin, exports } = JSON.parse(manifest) as { bin: { settled: string }; exports: Record<string, { types?: string; default?: string } | string> };
    expect(files).toContain(bin.settled);
    for (const target of Object.values(exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const path of paths) expect(files).toContain((path ?? '').replace(/^\.\//, ''));
    }
    const { stdout } = await run('node', [`${root}${bin.settled}`, '--help'], { cwd: root });
    expect(stdout).toContain('serve');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Collects a child's output and waits for a line in it, with a deadline. */
function watch(child: ChildProcess): (text: string, timeoutMs?: number) => Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return async (text, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw "${text}"; output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
}

describe.each([
  { example: 'express-app', entry: 'server.mjs' },
  { example: 'next-route', entry: 'serve.mjs' },
])('the $example example, using the built package', ({ example, entry }) => {
  let emulator: RunningEmulator | undefined;
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    child?.kill('SIGTERM');
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sells the ebook against the emulator: checkout, pay, fulfilled, order paid', async () => {
    dir = await mkdtemp(join(tmpdir(), `settled-${example}-`));
    const app = join(dir, example);
    await cp(join(root, 'examples', example), app, { recursive: true });
    // As if installed: the example resolves 'settled' through the package's exports map to dist/.
    await mkdir(join(app, 'node_modules'));
    await symlink(root, join(app, 'node_modules', 'settled'));
    await symlink(join(root, 'node_modules', 'express'), join(app, 'node_modules', 'express'));

    emulator = await startEmulator({ retryScheduleMs: [20, 40, 80, 160] });
    const stripe = createStripeClient({ secretKey: 'sk_test_example', apiBase: emulator.url });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const endpoint = await stripe.webhookEndpoints.create({ url: `${url}/api/webhooks/stripe`, enabled_events: ['*'] });
    child = spawn(process.execPath, [entry], {
      cwd: app,
      env: {
        PATH: process.env['PATH'],
        PORT: String(port),
        PUBLIC_URL: url,
        DATABASE_PATH: join(dir, 'shop.db'),
        STRIPE_SECRET_KEY: 'sk_test_example',
        STRIPE_API_BASE: emulator.url,
        STRIPE_WEBHOOK_SECRET: endpoint.secret ?? '',
        ORDER_REF_SECRET: 'example-order-ref-secret-0123456789',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const waitFor = watch(child);
    await waitFor('listening on');

    const started = await fetch(`${url}/api/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'ebook', quantity: 1 }] }),
    });
    expect(started.status).toBe(201);
    const { orderId, checkoutUrl } = (await started.json()) as { orderId: string; checkoutUrl: string };
    const paid = await fetch(checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ card_number: '4242424242424242' }).toString(),
      redirect: 'manual',
    });
    await paid.text();
    expect(paid.status).toBe(303);

    await waitFor(`fulfilled ${orderId}`);
    const order = (await (await fetch(`${url}/api/orders/${orderId}`)).json()) as { status: string; amountTotal: number };
    expect(order).toMatchObject({ status: 'paid', amountTotal: 1500 });
  });
});
