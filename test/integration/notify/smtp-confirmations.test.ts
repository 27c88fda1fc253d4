import { afterEach, expect, it } from 'vitest';
import { confirmationMessageId, createSmtpSender } from '../../../src/notify/smtp-sender.js';
import type { ConfirmationSender } from '../../../src/notify/sender.js';
import { startSmtpListener, type ReceivedMail, type SmtpListener } from '../../support/smtp-listener.js';
import { describeEachStore } from '../../support/stores.js';
import { startShop, type Shop } from '../../support/shop.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const FROM = 'Shop <orders@shop.example>';

/** Headers unfolded and the quoted-printable body decoded, so assertions read the message as a person would. */
function readable(mail: ReceivedMail): string {
  const unfolded = mail.data.replace(/=\r\n/g, '');
  return Buffer.from(unfolded.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

describeEachStore('buyer confirmations through SMTP', (ctx) => {
  let shop: Shop | undefined;
  let smtp: SmtpListener | undefined;
  let sender: ConfirmationSender | undefined;
  afterEach(async () => {
    await shop?.close();
    await sender?.close?.();
    await smtp?.close();
    shop = undefined;
    sender = undefined;
    smtp = undefined;
  });

  it('a paid order sends one message to the buyer with a Message-ID from the order id and the access link', async () => {
    smtp = await startSmtpListener();
    sender = createSmtpSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: FROM, logger: silent });
    shop = await startShop({ store: ctx.store, confirmations: sender });
    const { body } = await shop.api<{ orderId: string; checkoutUrl: string }>('POST', '/api/checkout', {
      items: [{ sku: 'field-notes', quantity: 1 }],
      email: 'buyer@example.com',
    });
    expect((await shop.pay(body.checkoutUrl, '4242424242424242')).status).toBe(303);
    await shop.quiesce();
    const order = await ctx.store.orders.get(body.orderId);

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.to).toEqual(['<buyer@example.com>']);
    expect(mail?.from).toBe('<orders@shop.example>');
    const text = mail ? readable(mail) : '';
    expect(text).toMatch(new RegExp(`^Message-ID: <${body.orderId}\\.confirmation@shop\\.example>`, 'mi'));
    expect(text).toContain(`${shop.url}/access/${order?.accessToken ?? 'missing'}`);
    expect(text).toContain(`Order: ${body.orderId}`);
  });

  it('a second send for the same order carries the same Message-ID, so receivers can drop the duplicate', async () => {
    smtp = await startSmtpListener();
    sender = createSmtpSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: FROM, logger: silent });
    const message = { orderId: 'ord_1', to: 'b@example.com', subject: 'Your order', text: 'hello' };
    await sender.send(message, 'ord_1');
    await sender.send(message, 'ord_1');
    const ids = smtp.mails.map((mail) => /^Message-ID: (.*)$/im.exec(readable(mail))?.[1]);
    expect(ids).toEqual([confirmationMessageId('ord_1', FROM), confirmationMessageId('ord_1', FROM)]);
    expect(ids[0]).toBe('<ord_1.confirmation@shop.example>');
  });

  it('an order without an email sends nothing', async () => {
    smtp = await startSmtpListener();
    sender = createSmtpSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: FROM, logger: silent });
    await sender.send({ orderId: 'ord_2', to: null, subject: 's', text: 't' }, 'ord_2');
    expect(smtp.mails).toEqual([]);
  });

  it('a failed send rejects (so the outbox retries) without the password in the error', async () => {
    smtp = await startSmtpListener();
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    sender = createSmtpSender({ url: `smtp://mailer:s3cret-Pa55@127.0.0.1:${port}`, from: FROM, logger: silent });
    const failure = await sender.send({ orderId: 'ord_3', to: 'b@example.com', subject: 's', text: 't' }, 'ord_3').then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    expect(failure?.message).toMatch(/^SMTP send failed/);
    expect(failure?.message).not.toContain('s3cret-Pa55');
    expect(JSON.stringify(failure)).not.toContain('s3cret-Pa55');
  });
});
