import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createFileSender, type RecordedConfirmation } from '../../../src/notify/file-sender.js';
import { describeEachStore } from '../../support/stores.js';
import { startShop, type Shop } from '../../support/shop.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function lines(path: string): Promise<RecordedConfirmation[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as RecordedConfirmation);
}

describeEachStore('buyer confirmations through the file sender', (ctx) => {
  let shop: Shop | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function paidOrder(path: string, email?: string): Promise<string> {
    shop = await startShop({ store: ctx.store, confirmations: createFileSender({ path, logger: silent }) });
    const { status, body } = await shop.api<{ orderId: string; checkoutUrl: string }>('POST', '/api/checkout', {
      items: [{ sku: 'field-notes', quantity: 1 }],
      ...(email ? { email } : {}),
    });
    expect(status).toBe(201);
    expect((await shop.pay(body.checkoutUrl, '4242424242424242')).status).toBe(303);
    await shop.quiesce();
    return body.orderId;
  }

  it('a paid order produces exactly one line, even when its outbox message is delivered again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'settled-confirm-'));
    const path = join(dir, 'outbox', 'confirmations.jsonl');
    const orderId = await paidOrder(path, 'buyer@example.com');
    const order = await ctx.store.orders.get(orderId);
    const [line, ...rest] = await lines(path);
    expect(rest).toEqual([]);
    expect(line?.orderId).toBe(orderId);
    expect(line?.idempotencyKey).toBe(orderId);
    expect(line?.to).toBe('buyer@example.com');
    expect(line?.text).toContain(`${shop?.url}/access/${order?.accessToken ?? 'missing'}`);

    // As after a crash between send and complete: the message is pending again and is delivered a second time.
    await ctx.execute(`UPDATE outbox SET status = 'pending', locked_by = NULL, locked_until = NULL, run_at = 0 WHERE kind = 'order.fulfilled'`);
    await shop?.quiesce();
    const delivered = (await ctx.store.outbox.list({ orderId, limit: 10 })).filter((m) => m.kind === 'order.fulfilled');
    expect(delivered.map((m) => m.status)).toEqual(['delivered']);
    expect(shop?.notices.filter((n) => n.kind === 'order.fulfilled')).toHaveLength(2);
    expect(await lines(path)).toHaveLength(1);
  });

  it('a failed send is retried by the outbox, and onFulfilled runs only after the confirmation went out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'settled-confirm-'));
    const path = join(dir, 'confirmations.jsonl');
    const file = createFileSender({ path, logger: silent });
    let calls = 0;
    const flaky = {
      async send(message: Parameters<typeof file.send>[0], key: string): Promise<void> {
        calls += 1;
        if (calls === 1) throw new Error('mail server busy');
        await file.send(message, key);
      },
    };
    shop = await startShop({ store: ctx.store, confirmations: flaky });
    const { body } = await shop.api<{ orderId: string; checkoutUrl: string }>('POST', '/api/checkout', { items: [{ sku: 'field-notes', quantity: 1 }] });
    expect((await shop.pay(body.checkoutUrl, '4242424242424242')).status).toBe(303);
    await shop.quiesce();
    expect(calls).toBe(2);
    expect(shop.notices.filter((n) => n.kind === 'order.fulfilled')).toHaveLength(1);
    const [message] = (await ctx.store.outbox.list({ orderId: body.orderId, limit: 10 })).filter((m) => m.kind === 'order.fulfilled');
    expect(message?.status).toBe('delivered');
    expect(message?.lastError).toContain('mail server busy');
    expect((await lines(path)).map((l) => l.orderId)).toEqual([body.orderId]);
  });

  it('a fresh sender on the same file (a restarted process) still skips an order it recorded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'settled-confirm-'));
    const path = join(dir, 'confirmations.jsonl');
    const orderId = await paidOrder(path);
    const [line] = await lines(path);
    expect(line?.to).toBeNull();
    const again = createFileSender({ path, logger: silent });
    await again.send({ orderId, to: null, subject: 's', text: 't' }, orderId);
    await again.send({ orderId: 'ord_other', to: null, subject: 's', text: 't' }, 'ord_other');
    expect((await lines(path)).map((l) => l.idempotencyKey)).toEqual([orderId, 'ord_other']);
  });
});
