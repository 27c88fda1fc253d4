// The webhook delivery log's and the counted rejections' types; types.ts re-exports them with the rest of the Store.

/** How a request to the webhook endpoint ended: stored (new), duplicate (already stored), rejected (4xx), failed (5xx). */
export type DeliveryOutcome = 'stored' | 'duplicate' | 'rejected' | 'failed';

export interface NewWebhookDelivery {
  /** Unix milliseconds. */
  readonly receivedAt: number;
  readonly sourceAddress: string | null;
  readonly outcome: DeliveryOutcome;
  /** Why it was rejected or failed: the signature check's code, or 'store_unavailable'. */
  readonly reason: string | null;
  /** As the body claims them; for rejected requests they are unauthenticated. */
  readonly eventId: string | null;
  readonly eventType: string | null;
  /** Kept only for accepted requests (stored, duplicate); dropped for the others. Their body is the event's payload in the inbox. */
  readonly signatureHeader: string | null;
}

export interface WebhookDelivery extends NewWebhookDelivery {
  readonly id: number;
}

export interface DeliveryLogRepository {
  record(entry: NewWebhookDelivery): Promise<void>;
  /** Several in one statement, so one commit: the webhook intake batches them under load. */
  recordMany(entries: readonly NewWebhookDelivery[]): Promise<void>;
  /** Newest first. */
  list(input: { limit: number; outcome?: DeliveryOutcome; eventId?: string }): Promise<WebhookDelivery[]>;
  /** Deletes deliveries received before the given time; returns how many. */
  prune(input: { receivedBefore: number }): Promise<number>;
}

/** Refused webhook requests counted together: `requests` of them from one address, for one reason, in one minute. */
export interface WebhookRejectionCount {
  /** Unix milliseconds at the start of the minute. */
  readonly minuteStart: number;
  /** A client address, or a catch-all ('other', 'unknown') when individual addresses are no longer told apart. */
  readonly sourceAddress: string;
  readonly reason: string;
  readonly requests: number;
}

/** The counted rejections of one address and reason, added up over every minute kept. */
export interface WebhookRejectionTotal {
  readonly sourceAddress: string;
  readonly reason: string;
  readonly requests: number;
  /** Unix milliseconds: the start of the first and of the last minute with any. */
  readonly firstMinuteStart: number;
  readonly lastMinuteStart: number;
}

export interface WebhookRejectionCountRepository {
  /** Adds each count to its (minute, address, reason) row, creating it if need be; safe from many processes at once. */
  add(counts: readonly WebhookRejectionCount[]): Promise<void>;
  /** Totals per address and reason, most requests first. */
  totals(input: { limit: number }): Promise<WebhookRejectionTotal[]>;
  /** Deletes the counts of minutes that started before the given time; returns how many rows. */
  prune(input: { receivedBefore: number }): Promise<number>;
}
