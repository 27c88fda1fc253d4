import type { NotificationAttempt, OutboxMessage, Store } from '../store/types.js';

/** `ntf_12` (as the shop's backend sees it) or `12` (the outbox message id): the message id, or undefined. */
export function parseNotificationId(text: string): number | undefined {
  const match = /^(?:ntf_)?(\d{1,15})$/.exec(text.trim());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The outbox messages that failed every attempt (notifications to the shop, confirmations, handlers), newest first. */
export function deadOutboxMessages(store: Pick<Store, 'outbox'>, limit: number): Promise<OutboxMessage[]> {
  return store.outbox.list({ status: 'dead', limit });
}

export type RetryOutcome = 'requeued' | 'not_dead' | 'unknown';

/**
 * An operator's retry of a dead message, from the dashboard or the CLI alike: back to pending with a fresh set of
 * attempts and the same id and body, so the shop's backend still deduplicates it.
 */
export async function retryOutboxMessage(store: Pick<Store, 'outbox'>, id: number, now: number): Promise<RetryOutcome> {
  if (await store.outbox.requeue({ id, now })) return 'requeued';
  return (await store.outbox.get(id)) === undefined ? 'unknown' : 'not_dead';
}

/** What a retry of several dead messages did: which went back to the outbox, and which were left alone and why. */
export interface RetryManyOutcome {
  readonly retried: readonly number[];
  readonly refused: readonly { readonly id: number; readonly outcome: Exclude<RetryOutcome, 'requeued'> }[];
}

/** Retries the named dead messages, or every dead one ('all'), each as retryOutboxMessage does. */
export async function retryDeadOutboxMessages(store: Pick<Store, 'outbox'>, target: 'all' | { readonly ids: readonly number[] }, now: number): Promise<RetryManyOutcome> {
  const ids = target === 'all' ? (await deadOutboxMessages(store, 10_000)).map((message) => message.id) : target.ids;
  const retried: number[] = [];
  const refused: { id: number; outcome: Exclude<RetryOutcome, 'requeued'> }[] = [];
  for (const id of ids) {
    const outcome = await retryOutboxMessage(store, id, now);
    if (outcome === 'requeued') retried.push(id);
    else refused.push({ id, outcome });
  }
  return { retried, refused };
}

/** The delivery log of notifications: every attempt, newest first, for one message or all. */
export function notificationAttempts(store: Pick<Store, 'notifications'>, input: { readonly id?: number; readonly limit: number }): Promise<NotificationAttempt[]> {
  return store.notifications.list({ outboxId: input.id, limit: input.limit });
}
