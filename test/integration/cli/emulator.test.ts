import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../support/cli.js';

let run: CliRun | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGTERM');
    await run.exited();
  }
});

it('`settled emulator` takes the emulator\'s own flags and answers the official SDK', async () => {
  run = runCli(['emulator', '--port', '0', '--duplicates', '2', '--seed', '9'], {});
  const [, url] = await run.waitFor(/listening on (http:\/\/\S+)/);
  const { port } = new URL(url!);
  const stripe = new Stripe('sk_test_cli', { host: '127.0.0.1', port: Number(port), protocol: 'http' });
  const customer = await stripe.customers.create({ email: 'cli@example.com' });
  expect(customer.id).toMatch(/^cus_/);
  const chaos = (await (await fetch(`${url}/_emulator/chaos`)).json()) as { duplicates: number; seed: number };
  expect(chaos).toMatchObject({ duplicates: 2, seed: 9 });
});

it('`settled emulator` says what is wrong with a flag and exits 1', async () => {
  run = runCli(['emulator', '--port', 'abc'], {});
  expect(await run.exited()).toBe(1);
  expect(run.output()).toContain("--port must be a number, got 'abc'");
});
