import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WorkerLogger } from '../worker/inbox-worker.js';
import type { ConfirmationMessage, ConfirmationSender } from './sender.js';

export interface FileSenderOptions {
  /** A JSON Lines file, e.g. DATA_DIR/outbox/confirmations.jsonl; created with its folder. */
  readonly path: string;
  readonly logger: WorkerLogger;
  readonly now?: () => number;
}

/** One line of the file: the message and the key it was recorded under. */
export interface RecordedConfirmation extends ConfirmationMessage {
  readonly idempotencyKey: string;
  readonly recordedAt: number;
}

async function readKeys(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw error;
  }
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as { idempotencyKey?: unknown };
      if (typeof parsed.idempotencyKey === 'string') keys.add(parsed.idempotencyKey);
    } catch {
      // A line torn by a crash mid-append was never a complete record; the outbox retries that message.
    }
  }
  return keys;
}

/**
 * The default sender: records each confirmation as one JSON line (and logs that it did), so a deployment without
 * SMTP still has every message. A key already in the file is skipped, so an outbox redelivery (a crash between
 * send and complete) writes nothing twice. The keys are read from the file once per process.
 */
export function createFileSender(options: FileSenderOptions): ConfirmationSender {
  const now = options.now ?? Date.now;
  let keys: Promise<Set<string>> | undefined;
  // One append at a time, so two deliveries of one key in this process cannot both pass the check.
  let queue: Promise<void> = Promise.resolve();

  async function record(message: ConfirmationMessage, idempotencyKey: string): Promise<void> {
    keys ??= readKeys(options.path).catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    const seen = await keys;
    if (seen.has(idempotencyKey)) {
      options.logger.info({ orderId: message.orderId }, 'confirmation already recorded; not recording it again');
      return;
    }
    const line: RecordedConfirmation = { ...message, idempotencyKey, recordedAt: now() };
    await mkdir(dirname(options.path), { recursive: true });
    await appendFile(options.path, `${JSON.stringify(line)}\n`, 'utf8');
    seen.add(idempotencyKey);
    // The text carries the access link, so the log line names the message but never quotes it.
    options.logger.info(
      { orderId: message.orderId, to: message.to, subject: message.subject, file: options.path },
      message.to === null ? 'confirmation recorded (the order has no email address)' : 'confirmation recorded',
    );
  }

  return {
    send(message, idempotencyKey) {
      const result = queue.then(() => record(message, idempotencyKey));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
