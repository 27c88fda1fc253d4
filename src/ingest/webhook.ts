import { StoreUnavailableError } from '../store/errors.js';
import type { NewWebhookDelivery } from '../store/types.js';
import { verifyWebhook, type SignatureRejection } from '../stripe/webhook-signature.js';
import type { GroupCommitter } from './group-commit.js';

export type IntakeRejection = SignatureRejection | 'source_not_allowed';

export type IntakeResult =
  | { readonly kind: 'stored'; readonly eventId: string; readonly eventType: string; readonly duplicate: boolean }
  | { readonly kind: 'rejected'; readonly code: IntakeRejection; readonly message: string }
  /** Refused for `reason`, from an address past its limit of refusals: tell it to wait. */
  | { readonly kind: 'rate_limited'; readonly reason: IntakeRejection; readonly message: string; readonly retryAfterSeconds: number };

/** Whether the address of one refused request is now past its limit; HTTP callers count per client address. */
export type RejectionTally = { readonly overLimit: false } | { readonly overLimit: true; readonly retryAfterSeconds: number };

/** Counts one refused request (called only once verification has failed); the intake knows nothing of HTTP. */
export type RejectionCounter = () => Promise<RejectionTally>;

export interface IntakeInput {
  readonly rawBody: Buffer;
  readonly signatureHeader: string | undefined;
  readonly sourceAddress?: string | null;
  /** Without it, refusals are never limited (the framework adapters leave limits to their host). */
  readonly countRejection?: RejectionCounter | undefined;
}

/** Where the intake records the requests it refused or could not store. */
export interface DeliveryRecorder {
  record(entry: NewWebhookDelivery): Promise<void>;
}

export interface WebhookIntakeOptions {
  readonly committer: GroupCommitter;
  readonly secrets: () => readonly string[];
  readonly toleranceSeconds: number;
  readonly now: () => number;
  /** Called after a new event is durably stored, to wake the worker. */
  readonly onStored?: () => void;
  /**
   * Requests refused or not stored are recorded here for operators (best effort: it never changes the answer).
   * Accepted ones are logged by the inbox, in the transaction that stores their event.
   */
  readonly deliveryLog?: DeliveryRecorder;
  readonly onDeliveryLogError?: (error: unknown) => void;
  /** When set, only requests from these addresses are considered at all (STRIPE_WEBHOOK_IPS). */
  readonly sourceAllowed?: ((address: string | null) => boolean) | undefined;
  /** Counts every request by outcome and reason (for /metrics); a plain callback, no metrics library here. */
  readonly metrics?: { webhookReceived(outcome: string, reason: string): void } | undefined;
}

/** What an unverified body claims to be, for the delivery log only; never trusted for anything else. */
function claimedIdentity(body: string): { eventId: string | null; eventType: string | null } {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; type?: unknown };
    const text = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, 255) : null);
    return { eventId: text(parsed.id), eventType: text(parsed.type) };
  } catch {
    return { eventId: null, eventType: null };
  }
}

/** Verify, then commit to the inbox, then (and only then) acknowledge. No business logic here. */
export function createWebhookIntake(options: WebhookIntakeOptions) {
  const log = (entry: NewWebhookDelivery): void => {
    options.metrics?.webhookReceived(entry.outcome, entry.reason ?? 'none');
    // Not awaited: the answer to Stripe waits only for the inbox commit, never for bookkeeping.
    options.deliveryLog?.record(entry).catch((error: unknown) => options.onDeliveryLogError?.(error));
  };

  const refuse = async (input: IntakeInput, code: IntakeRejection, message: string): Promise<IntakeResult> => {
    const tally = input.countRejection ? await input.countRejection() : undefined;
    if (tally?.overLimit !== true) return { kind: 'rejected', code, message };
    return {
      kind: 'rate_limited',
      reason: code,
      retryAfterSeconds: tally.retryAfterSeconds,
      message: `Too many webhook requests from this address were refused (this one: ${code}); try again in ${tally.retryAfterSeconds} s.`,
    };
  };

  return async function receive(input: IntakeInput): Promise<IntakeResult> {
    const receivedAt = options.now();
    const base = { receivedAt, sourceAddress: input.sourceAddress ?? null };
    // Decoded once: the signature is checked over exactly the text that is stored (Stripe sends UTF-8 JSON; bytes
    // that are not UTF-8 would decode to other text, and its signature would not match).
    const body = input.rawBody.toString('utf8');
    if (options.sourceAllowed && !options.sourceAllowed(base.sourceAddress)) {
      log({ ...base, outcome: 'rejected', reason: 'source_not_allowed', ...claimedIdentity(body), signatureHeader: null });
      return refuse(input, 'source_not_allowed', 'Webhooks are accepted only from Stripe\'s addresses (STRIPE_WEBHOOK_IPS).');
    }
    const check = verifyWebhook({
      rawBody: body,
      signatureHeader: input.signatureHeader,
      secrets: options.secrets(),
      toleranceSeconds: options.toleranceSeconds,
      nowMs: receivedAt,
    });
    if (check.kind === 'rejected') {
      log({ ...base, outcome: 'rejected', reason: check.code, ...claimedIdentity(body), signatureHeader: null });
      // Counted only now: a request whose signature verifies never spends the limit, so Stripe's bursts pass.
      return refuse(input, check.code, check.message);
    }
    const { event } = check;
    const identity = { eventId: event.id, eventType: event.type };
    let inserted: boolean;
    try {
      // The delivery-log line of an accepted request is committed with its event: an acknowledged event is never
      // missing from the log, and the log costs no commit of its own.
      ({ inserted } = await options.committer.add({
        id: event.id,
        type: event.type,
        payload: body,
        source: 'webhook',
        receivedAt,
        delivery: { sourceAddress: base.sourceAddress, signatureHeader: input.signatureHeader ?? null },
      }));
    } catch (error) {
      log({ ...base, outcome: 'failed', reason: 'store_unavailable', ...identity, signatureHeader: null });
      throw new StoreUnavailableError('The event could not be stored; Stripe will retry it.', error);
    }
    options.metrics?.webhookReceived(inserted ? 'stored' : 'duplicate', 'none');
    if (inserted) options.onStored?.();
    return { kind: 'stored', eventId: event.id, eventType: event.type, duplicate: !inserted };
  };
}

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;
