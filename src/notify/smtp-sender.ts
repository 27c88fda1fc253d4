import nodemailer from 'nodemailer';
import type { WorkerLogger } from '../worker/inbox-worker.js';
import type { ConfirmationSender } from './sender.js';

export interface SmtpSenderOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465. */
  readonly url: string;
  /** The From header: "Shop <orders@shop.example>" or orders@shop.example. */
  readonly from: string;
  readonly logger: WorkerLogger;
}

/** Message-IDs are <key.confirmation@domain>, with the domain taken from the From address. */
export function confirmationMessageId(idempotencyKey: string, from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.includes('@') ? address.slice(address.lastIndexOf('@') + 1).replace(/[^A-Za-z0-9.-]/g, '') : '';
  const local = idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_');
  return `<${local}.confirmation@${domain || 'settled.invalid'}>`;
}

function secretsOf(url: string): string[] {
  try {
    const password = new URL(url).password;
    return password === '' ? [] : [password, decodeURIComponent(password)];
  } catch {
    return [];
  }
}

/**
 * Sends through SMTP with nodemailer. Delivery is at least once: a crash after the server accepted the message but
 * before the outbox recorded it sends it again. Every attempt carries the same Message-ID (derived from the order id),
 * so receiving servers and mail clients that deduplicate by Message-ID show it once; nothing stronger is possible
 * over SMTP.
 */
export function createSmtpSender(options: SmtpSenderOptions): ConfirmationSender {
  // nodemailer waits up to 2 minutes to connect and 10 minutes on a silent socket; one stuck server would hold
  // every other notice behind it. A failed send is retried by the outbox, so giving up sooner loses nothing.
  const transport = nodemailer.createTransport({ url: options.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 });
  const secrets = secretsOf(options.url).filter((s) => s.length > 0);
  // The URL holds the password: no error or log line may carry it, whatever nodemailer put in its message.
  const scrub = (text: string): string => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  return {
    async send(message, idempotencyKey) {
      if (message.to === null) {
        options.logger.warn({ orderId: message.orderId }, 'confirmation not sent: the order has no email address');
        return;
      }
      const messageId = confirmationMessageId(idempotencyKey, options.from);
      try {
        await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, messageId });
      } catch (error) {
        throw new Error(`SMTP send failed: ${scrub(error instanceof Error ? error.message : String(error))}`);
      }
      options.logger.info({ orderId: message.orderId, to: message.to, messageId }, 'confirmation sent');
    },
    close() {
      transport.close();
    },
  };
}
