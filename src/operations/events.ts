import { isEventId, operatorAction } from '../domain/event-actions.js';
import type { InboxEvent, InboxStatus, Store } from '../store/types.js';
import { awaitProcessing } from '../worker/await-processing.js';

export interface EventsDeps {
  readonly store: Pick<Store, 'inbox'>;
  readonly now: () => number;
  /** Called when something went back in the inbox; a CLI that processes the events itself passes nothing. */
  readonly notifyWorker?: () => void;
}

export type ReplayOutcome =
  | { readonly kind: 'requeued'; readonly id: string; readonly type: string; readonly was: InboxStatus }
  /** Already waiting or being processed: the worker handles it as it is. */
  | { readonly kind: 'waiting'; readonly id: string; readonly status: InboxStatus }
  | { readonly kind: 'unknown'; readonly id: string };

async function requeue(deps: EventsDeps, id: string): Promise<ReplayOutcome> {
  const row = isEventId(id) ? await deps.store.inbox.get(id) : undefined;
  if (row === undefined) return { kind: 'unknown', id };
  if (operatorAction(row.status) === undefined) return { kind: 'waiting', id, status: row.status };
  if (await deps.store.inbox.requeue({ id, now: deps.now() })) return { kind: 'requeued', id, type: row.type, was: row.status };
  // Someone requeued it between the read and the write.
  return { kind: 'waiting', id, status: (await deps.store.inbox.get(id))?.status ?? row.status };
}

/** Puts events back in the inbox to be processed again (a dead letter, or one already processed), each once. */
export async function replayEvents(deps: EventsDeps, ids: readonly string[]): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const id of new Set(ids)) outcomes.push(await requeue(deps, id));
  if (outcomes.some((outcome) => outcome.kind === 'requeued')) deps.notifyWorker?.();
  return outcomes;
}

export interface RetryOutcome {
  readonly retried: readonly string[];
  /** Not dead letters (left alone): why each was refused. */
  readonly refused: readonly { readonly id: string; readonly status: InboxStatus | 'not_in_inbox' }[];
}

// --all takes every dead letter there is; more than this and the operator is better served by fixing the cause first.
const RETRY_ALL_LIMIT = 10_000;

/** Retries dead letters only: an event that was processed is replayed on purpose (replayEvents), never by --all. */
export async function retryDeadLetters(deps: EventsDeps, target: { readonly ids: readonly string[] } | 'all'): Promise<RetryOutcome> {
  const ids = target === 'all' ? (await listDeadLetters(deps.store, RETRY_ALL_LIMIT)).map((event) => event.id) : [...new Set(target.ids)];
  const retried: string[] = [];
  const refused: { id: string; status: InboxStatus | 'not_in_inbox' }[] = [];
  for (const id of ids) {
    const row = isEventId(id) ? await deps.store.inbox.get(id) : undefined;
    if (row === undefined || operatorAction(row.status) !== 'retry') {
      refused.push({ id, status: row?.status ?? 'not_in_inbox' });
      continue;
    }
    if (await deps.store.inbox.requeue({ id, now: deps.now() })) retried.push(id);
  }
  if (retried.length > 0) deps.notifyWorker?.();
  return { retried, refused };
}

/** Dead letters, newest first. */
export function listDeadLetters(store: Pick<Store, 'inbox'>, limit: number): Promise<InboxEvent[]> {
  return store.inbox.list({ status: 'dead', limit });
}

/** The dashboard's events page: the dead letters, then the newest events of any status. */
export async function eventsOverview(store: Pick<Store, 'inbox'>, limit: number): Promise<{ dead: InboxEvent[]; recent: InboxEvent[] }> {
  return { dead: await listDeadLetters(store, limit), recent: await store.inbox.list({ limit }) };
}

/**
 * Waits (up to `timeoutMs`) for the events to finish, and reads what became of each. A worker in another process may
 * have claimed some first: waiting for it is better than reporting them half-done.
 */
export async function awaitOutcomes(store: Pick<Store, 'inbox'>, ids: readonly string[], timeoutMs: number): Promise<InboxEvent[]> {
  await awaitProcessing(store, ids, timeoutMs);
  const byId = new Map((await store.inbox.getMany([...ids])).map((event) => [event.id, event]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
