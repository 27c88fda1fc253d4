/* The repositories of sidecar mode (the /api/v1/ API and the notifications to the shop's backend), part of Store. */

/** What reserving an Idempotency-Key found: this request answers, an earlier one answered, or the key is in use. */
export type IdempotencyReservation =
  | { readonly kind: 'reserved' }
  | { readonly kind: 'answered'; readonly status: number; readonly body: string }
  /** The key was first used with another request body. */
  | { readonly kind: 'mismatch' }
  /** Another request with the key is still being answered. */
  | { readonly kind: 'in_progress' };

export interface IdempotencyKeyRepository {
  /** Takes the key for this request, unless it is taken: a first request that died is taken over after `leaseMs`. */
  reserve(input: { key: string; requestHash: string; now: number; leaseMs: number }): Promise<IdempotencyReservation>;
  /** Keeps the answer given, for every retry with the key. */
  finish(input: { key: string; status: number; body: string }): Promise<void>;
  /** Gives the key up unanswered (the request failed for a reason a retry may not meet), so a retry runs it again. */
  release(input: { key: string }): Promise<void>;
}

export interface NotificationAttempt {
  readonly id: number;
  readonly outboxId: number;
  /** Unix milliseconds. */
  readonly attemptedAt: number;
  readonly durationMs: number;
  readonly outcome: 'delivered' | 'failed';
  readonly httpStatus: number | null;
  readonly error: string | null;
}

/** A notification to the shop's backend as the outbox holds it: its message id (the cursor) and payload. */
export interface NotificationRecord {
  readonly outboxId: number;
  readonly payload: string;
}

export interface NotificationAttemptRepository {
  record(attempt: Omit<NotificationAttempt, 'id'>): Promise<void>;
  /** Newest first. */
  list(input: { outboxId?: number; limit: number }): Promise<NotificationAttempt[]>;
  /**
   * The notifications queued after the message `afterId`, oldest first (GET /api/v1/events). On PostgreSQL only those
   * queued `settleMs` before `now`: ids are taken at insert, not at commit, so a younger one may still be joined by an
   * older id whose transaction commits later, and a cursor past it would never see it.
   */
  notificationsAfter(input: { afterId: number; limit: number; now: number; settleMs: number }): Promise<NotificationRecord[]>;
}
