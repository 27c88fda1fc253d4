import { verifyWebhook, type SignatureRejection } from '../stripe/webhook-signature.js';
import type { GroupCommitter } from './group-commit.js';

export type IntakeResult =
  | { readonly kind: 'stored'; readonly eventId: string; readonly eventType: string; readonly duplicate: boolean }
  | { readonly kind: 'rejected'; readonly code: SignatureRejection; readonly message: string };

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The event store is unavailable; the event was not stored.', { cause });
    this.name = 'StoreUnavailableError';
  }
}

export interface WebhookIntakeOptions {
  readonly committer: GroupCommitter;
  readonly secrets: () => readonly string[];
  readonly toleranceSeconds: number;
  readonly now: () => number;
  /** Called after a new event is durably stored, to wake the worker. */
  readonly onStored?: () => void;
}

/** Verify, then commit to the inbox, then (and only then) acknowledge. No business logic here. */
export function createWebhookIntake(options: WebhookIntakeOptions) {
  return async function receive(input: { rawBody: Buffer; signatureHeader: string | undefined }): Promise<IntakeResult> {
    const receivedAt = options.now();
    const check = verifyWebhook({
      rawBody: input.rawBody,
      signatureHeader: input.signatureHeader,
      secrets: options.secrets(),
      toleranceSeconds: options.toleranceSeconds,
      nowMs: receivedAt,
    });
    if (check.kind === 'rejected') return check;
    const { event } = check;
    let inserted: boolean;
    try {
      ({ inserted } = await options.committer.add({
        id: event.id,
        type: event.type,
        payload: input.rawBody.toString('utf8'),
        source: 'webhook',
        receivedAt,
      }));
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    if (inserted) options.onStored?.();
    return { kind: 'stored', eventId: event.id, eventType: event.type, duplicate: !inserted };
  };
}

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;
