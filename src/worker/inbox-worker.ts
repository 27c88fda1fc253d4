import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { DEFAULTS } from '../defaults.js';
import { randomToken } from '../random-token.js';
import { decideOrder } from '../domain/order-reducer.js';
import { OrderNotFoundError, isStoreUnavailable } from '../store/errors.js';
import type { BatchItem, BatchItemResult, InboxEvent, StatusNotices, Store } from '../store/types.js';
import { afterFailure, queueSettings, type QueueSettings } from './backoff.js';
import { BatchProcessor } from './polling-loop.js';
import { prepareEvent, type Revalidation } from './prepare-event.js';
import { Stragglers } from './stragglers.js';
import type { OrderLookupGateway } from './resolve-order.js';

export type { Revalidation } from './prepare-event.js';

export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface InboxWorkerOptions extends Partial<QueueSettings> {
  readonly store: Store;
  readonly gateway: OrderLookupGateway;
  readonly logger: WorkerLogger;
  readonly now: () => number;
  readonly workerId?: string;
  readonly random?: () => number;
  /** 'record' when no notify URL is set: status notices are stored for the pull API, not queued to be posted. */
  readonly statusNotices?: StatusNotices | undefined;
  /** Called after a batch applied facts; wakes the outbox dispatcher. */
  readonly onApplied?: () => void;
  /** Revalidation mode: re-reads the event's object from Stripe before its facts are applied. */
  readonly revalidate?: ((event: Stripe.Event) => Promise<Revalidation>) | undefined;
  /** Reports each event's outcome and duration, retries and dead letters (for /metrics). */
  readonly metrics?: WorkerMetrics | undefined;
}

export interface WorkerMetrics {
  eventProcessed(outcome: ProcessOutcome['kind'], seconds: number): void;
  eventRetried(): void;
  eventDeadLettered(): void;
}

export type ProcessOutcome =
  | { readonly kind: 'applied'; readonly orderId: string; readonly status: string; readonly fulfilledNow: boolean }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string; readonly dead: boolean }
  | { readonly kind: 'lost_claim' };

export function newAccessToken(): string {
  return randomToken(24);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 2000);
  return String(error).slice(0, 2000);
}

/** A claimed event made ready for its batch: what to write, or the store failure that stopped it. */
type Prepared = { readonly event: InboxEvent; readonly started: number } & ({ readonly item: BatchItem; readonly trusted?: boolean } | { readonly storeFailed: unknown });

/**
 * Claims inbox events a batch at a time and writes each batch in one commit (store.applyBatch). Each event is made
 * ready on its own and at once, so one waiting on Stripe does not hold the others: after `slowAfterMs` the batch is
 * written without it, and it joins a later batch when it is ready. A failure is stored on the event and retried with
 * backoff; after maxAttempts it is a dead letter.
 */
export class InboxWorker extends BatchProcessor {
  readonly workerId: string;
  private readonly settings: QueueSettings;
  private readonly random: () => number;
  /** Claims held when the store failed: given back, not counted as attempts, before anything new is claimed. */
  private readonly stranded = new Set<string>();
  /** Events still being made ready after their batch was written, and those that have since become ready. */
  private readonly slow: Stragglers<Prepared>;
  /** Claims asked for or held by batches not yet gathered (with lanes, more than one batch runs at once). */
  private gathering = 0;

  constructor(private readonly options: InboxWorkerOptions) {
    const settings = queueSettings(DEFAULTS.worker, options.store.dialect, options);
    super(settings, (error) => options.logger.error({ err: describeError(error) }, 'inbox worker could not reach the store; will retry'));
    this.settings = settings;
    this.workerId = options.workerId ?? `worker-${randomBytes(6).toString('hex')}`;
    this.slow = new Stragglers(settings.slowAfterMs, () => this.notify());
    this.random = options.random ?? Math.random;
  }

  protected async runBatch(): Promise<number> {
    await this.releaseStranded();
    // Another lane's batch, claimed and not yet gathered, counts against the bound on claims held.
    const room = this.slow.roomFor(this.settings.batchSize, this.gathering);
    this.gathering += room;
    let events: InboxEvent[];
    let batch: Prepared[];
    try {
      events = room > 0 ? await this.options.store.inbox.claim({ workerId: this.workerId, limit: room, leaseMs: this.settings.leaseMs, now: this.options.now() }) : [];
      batch = await this.slow.gather(new Map(events.map((event) => [event.id, this.prepare(event)])));
    } finally {
      this.gathering -= room;
    }
    const written = [...this.slow.takeFinished(), ...batch];
    if (written.length > 0) await this.write(written);
    // Claimed, not written: an event that was slow is counted once, in the batch that claimed it.
    return events.length;
  }

  private async releaseStranded(): Promise<void> {
    if (this.stranded.size === 0) return;
    // Taken at once, so that another lane does not give the same claims back too; kept if the store fails again.
    const ids = [...this.stranded];
    this.stranded.clear();
    try {
      await this.options.store.inbox.release({ ids, workerId: this.workerId, now: this.options.now() });
    } catch (error) {
      for (const id of ids) this.stranded.add(id);
      throw error;
    }
  }

  protected override settleInFlight(): Promise<boolean> {
    return this.slow.settle();
  }

  override async stop(): Promise<void> {
    await super.stop();
    // What is still waiting on Stripe is given back for the next worker rather than waited for.
    for (const id of this.slow.abandon()) this.stranded.add(id);
    await this.releaseStranded().catch((error: unknown) => this.options.logger.warn({ err: describeError(error) }, 'inbox worker could not give its claims back; their lease will free them'));
  }

  private async prepare(event: InboxEvent, trustOrderHint = true, started = performance.now()): Promise<Prepared> {
    const { store, gateway, revalidate, now } = this.options;
    try {
      return { event, started, item: await prepareEvent(event, { store, gateway, revalidate, now, newAccessToken }, trustOrderHint), trusted: trustOrderHint };
    } catch (error) {
      // The store's failure is not the event's: no attempt is spent on it, and no dead letter is made of a blip.
      if (isStoreUnavailable(error)) return { event, started, storeFailed: error };
      return { event, started, item: this.failure(event, error) };
    }
  }

  private failure(event: InboxEvent, error: unknown): BatchItem {
    const now = this.options.now();
    return { kind: 'fail', eventId: event.id, error: describeError(error), ...afterFailure(event.attempts, this.settings, now, this.random), now };
  }

  private async write(batch: readonly Prepared[]): Promise<void> {
    for (const prepared of batch) if ('storeFailed' in prepared) this.stranded.add(prepared.event.id);
    type Entry = { event: InboxEvent; started: number; item: BatchItem; trusted?: boolean; result: BatchItemResult | undefined };
    const written: Entry[] = batch.flatMap((prepared) => ('item' in prepared ? [{ ...prepared, result: undefined }] : []));
    await this.applyAll(written);
    // Refused in the write itself: an event whose named order is not there is looked for by its Stripe ids; any other
    // (its order is gone, say) is failed on its own. The first pass can only refuse the trusted ones again.
    for (let pass = 0; pass < 2; pass += 1) {
      const refused = written.filter((entry) => entry.result?.kind === 'error');
      if (refused.length === 0) break;
      for (const entry of refused) {
        const error = (entry.result as { error: unknown }).error;
        const retry = entry.trusted && error instanceof OrderNotFoundError ? await this.prepare(entry.event, false, entry.started) : undefined;
        if (retry !== undefined && 'storeFailed' in retry) {
          for (const { event } of refused) this.stranded.add(event.id);
          throw retry.storeFailed;
        }
        entry.item = retry?.item ?? this.failure(entry.event, error);
        entry.trusted = false;
      }
      await this.applyAll(refused);
    }
    for (const entry of written) this.report(entry, entry.result);
    if (written.some((entry) => entry.result?.kind === 'applied')) this.options.onApplied?.();
  }

  private async applyAll(entries: { event: InboxEvent; item: BatchItem; result: BatchItemResult | undefined }[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      const { store, statusNotices } = this.options;
      const results = await store.applyBatch({ items: entries.map(({ item }) => item), decide: decideOrder, workerId: this.workerId, statusNotices });
      for (const [index, entry] of entries.entries()) entry.result = results[index];
    } catch (error) {
      // The store failed under us: these claims go back as soon as it answers again.
      for (const { event } of entries) this.stranded.add(event.id);
      throw error;
    }
  }

  /** Logs and counts one event's outcome. */
  private report({ event, item, started }: { event: InboxEvent; item: BatchItem; started: number }, result: BatchItemResult | undefined): ProcessOutcome {
    const { logger, metrics } = this.options;
    const outcome = outcomeOf(item, result);
    if (outcome.kind === 'applied') logger.info({ eventId: event.id, type: event.type, orderId: outcome.orderId, status: outcome.status }, 'event applied');
    if (outcome.kind === 'failed') {
      logger.warn({ eventId: event.id, type: event.type, attempts: event.attempts, dead: outcome.dead, err: outcome.error }, outcome.dead ? 'event is a dead letter' : 'event failed; will retry');
    }
    if (metrics) {
      metrics.eventProcessed(outcome.kind, (performance.now() - started) / 1000);
      if (outcome.kind === 'failed') {
        if (outcome.dead) metrics.eventDeadLettered();
        else metrics.eventRetried();
      }
    }
    return outcome;
  }
}

function outcomeOf(item: BatchItem, result: BatchItemResult | undefined): ProcessOutcome {
  if (result?.kind === 'error') return { kind: 'failed', error: describeError(result.error), dead: false };
  if (result === undefined || !result.claimHeld) return { kind: 'lost_claim' };
  if (result.kind === 'applied') return { kind: 'applied', orderId: result.result.after.id, status: result.result.after.status, fulfilledNow: result.result.fulfilledNow };
  if (item.kind === 'fail') return { kind: 'failed', error: item.error, dead: item.dead };
  return { kind: 'ignored', reason: item.kind === 'ignore' ? item.outcome : '' };
}
