import { join } from 'node:path';
import type { Config } from '../config.js';
import type { WorkerLogger } from '../worker/inbox-worker.js';
import { createFileSender } from './file-sender.js';
import type { ConfirmationSender } from './sender.js';
import { createSmtpSender } from './smtp-sender.js';

/** Where the file sender writes when SMTP is not configured. */
export function confirmationsFile(config: Config): string {
  return join(config.dataDir, 'outbox', 'confirmations.jsonl');
}

/** What `settled serve` and `settled worker` send confirmations through: SMTP when SMTP_URL is set, else the file. */
export function configuredConfirmationSender(config: Config, logger: WorkerLogger): ConfirmationSender {
  const { smtpUrl, from } = config.mail;
  // loadConfig already requires MAIL_FROM with SMTP_URL; the check keeps the types honest.
  if (smtpUrl !== undefined && from !== undefined) return createSmtpSender({ url: smtpUrl, from, logger });
  return createFileSender({ path: confirmationsFile(config), logger });
}
