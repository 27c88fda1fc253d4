import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, lstat, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';
import { payOnHostedPage } from '../../support/hosted-page.js';
import { freePort } from '../../support/ports.js';
import { offerCheckoutPrebuild, envOutside, installOffline, npm, npmCacheOf, packInto, writeShopManifests, type ShopNeeds } from './offline-install.js';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;

interface PackEntry {
  readonly files: readonly { readonly path: string }[];
}

// What npm would publish, and what the examples import, is what is in dist/ now: build it once for this file.
beforeAll(async () => {
  await npm(['run', 'build'], root, process.env);
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

const examples = [
  { example: 'express-app', entry: 'server.mjs' },
  { example: 'next-route', entry: 'serve.mjs' },
];

describe('the packed tarball, installed offline into a fresh folder', () => {
  let workspace = '';
  let shop = '';
  let env: NodeJS.ProcessEnv = {};

  let installOutput = '';

  // One pack and one install for the whole file, with the checkout's compiled better-sqlite3 as its prebuilt binary
  // (compiling it again from source took about 100 s of CPU).
  beforeAll(async () => {
    workspace = await realpath(await mkdtemp(join(tmpdir(), 'settled-shop-')));
    shop = join(workspace, 'shop');
    await mkdir(shop);
    const tarball = await packInto(root, shop);
    const needs = { dependencies: {} as Record<string, string>, allowScripts: {} as Record<string, boolean> };
    for (const { example } of examples) {
      await cp(join(root, 'examples', example), join(shop, example), { recursive: true });
      const manifest = JSON.parse(await readFile(join(shop, example, 'package.json'), 'utf8')) as Partial<ShopNeeds>;
      Object.assign(needs.dependencies, manifest.dependencies);
      Object.assign(needs.allowScripts, manifest.allowScripts);
    }
    // The examples ask for settled from the registry; here it is the tarball we just packed.
    delete needs.dependencies['settled'];
    await writeShopManifests(root, shop, tarball, needs);
    env = envOutside(root);
    await offerCheckoutPrebuild(root, workspace);
    const installed = await installOffline(shop, await npmCacheOf(root), env);
    installOutput = `${installed.stdout}\n${installed.stderr}`;
  }, 600_000);

  afterAll(async () => {
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('installs on this Node without an engine warning, running better-sqlite3\'s install script as allowScripts allows', async () => {
    expect(installOutput).not.toMatch(/EBADENGINE|Unsupported engine/);
    const binary = join(shop, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    expect((await lstat(binary)).isFile()).toBe(true);
  });

  it('installs settled as a copy of this version, with its bin, not as a link back to the repository', async () => {
    const installed = join(shop, 'node_modules', 'settled');
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    const { version } = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { version: string };
    const { version: ours } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe(ours);

    for (const { example } of examples) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('settled'))"], { cwd: join(shop, example), env });
      expect(fileURLToPath(stdout.trim())).toBe(join(installed, 'dist', 'src', 'index.js'));
    }
    const { stdout } = await run(join(shop, 'node_modules', '.bin', 'settled'), ['--help'], { cwd: shop, env });
    expect(stdout).toContain('serve');
  });

  it("the README's library snippet runs as written: emulator in-process, checkout, pay, fulfilled", async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const snippet = /```js\n(\/\/ shop\.mjs[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    const folder = join(shop, 'readme-snippet');
    await mkdir(folder);
    await writeFile(join(folder, 'shop.mjs'), snippet ?? '');
    const port = await freePort();
    const child = spawn(process.execPath, ['shop.mjs'], { cwd: folder, env: { PATH: env['PATH'], PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const waitFor = watch(child);
      await waitFor('shop listening on', 20_000);
      const started = await fetch(`http://localhost:${port}/api/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ sku: 'ebook', quantity: 1 }], email: 'you@example.com' }),
      });
      expect(started.status).toBe(201);
      const { orderId, checkoutUrl } = (await started.json()) as { orderId: string; checkoutUrl: string };
      expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);
      await waitFor(`fulfilled ${orderId} (1 x The ebook) for you@example.com`);
    } finally {
      child.kill('SIGTERM');
    }
  });

  describe.each(examples)('the $example example', ({ example, entry }) => {
    let emulator: RunningEmulator | undefined;
    let child: ChildProcess | undefined;
    afterEach(async () => {
      child?.kill('SIGTERM');
      await emulator?.close();
    });

    it('sells the ebook against the emulator: checkout, pay, fulfilled, order paid', async () => {
      emulator = await startEmulator({ retryScheduleMs: [20, 40, 80, 160] });
      const stripe = createStripeClient({ secretKey: 'sk_test_example', apiBase: emulator.url });
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const endpoint = await stripe.webhookEndpoints.create({ url: `${url}/api/webhooks/stripe`, enabled_events: ['*'] });
      child = spawn(process.execPath, [entry], {
        cwd: join(shop, example),
        env: {
          PATH: env['PATH'],
          PORT: String(port),
          PUBLIC_URL: url,
          DATABASE_PATH: join(workspace, `${example}.db`),
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
      expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);

      await waitFor(`fulfilled ${orderId}`);
      const order = (await (await fetch(`${url}/api/orders/${orderId}`)).json()) as { status: string; amountTotal: number };
      expect(order).toMatchObject({ status: 'paid', amountTotal: 1500 });
    });
  });
});
