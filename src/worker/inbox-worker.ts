import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { DEFAULTS } from '../defaults.js';
import { decideOrder } from '../domain/order-reducer.js';
import { eventToFacts, stampFacts, type FactMapping } from '../stripe/event-facts.js';
import { isStoreUnavailable } from '../store/errors.js';
import type { InboxEvent, Store } from '../store/types.js';
import { nextAttemptDelayMs } from './backoff.js';
import { operatorEventToFacts } from './operator-events.js';
import { BatchProcessor } from './polling-loop.js';
import { resolveOrder, type OrderLookupGateway } from './resolve-order.js';

export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface InboxWorkerOptions {
  readonly store: Store;
  readonly gateway: OrderLookupGateway;
  readonly logger: WorkerLogger;
  readonly now: () => number;
  readonly workerId?: string;
  readonly batchSize?: number;
  readonly leaseMs?: number;
  readonly pollIntervalMs?: number;
  readonly maxAttempts?: number;
  readonly backoff?: { baseMs: number; maxMs: number };
  readonly random?: () => number;
  /** Called after an event's facts have been applied; wakes the outbox dispatcher. */
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

export type Revalidation = { readonly kind: 'current'; readonly event: Stripe.Event } | { readonly kind: 'ignored'; readonly reason: string };

export type ProcessOutcome =
  | { readonly kind: 'applied'; readonly orderId: string; readonly status: string; readonly fulfilledNow: boolean }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string; readonly dead: boolean }
  | { readonly kind: 'lost_claim' };

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 2000);
  return String(error).slice(0, 2000);
}

/**
 * Claims inbox events, turns each into facts and applies them to its order in one transaction.
 * A failure is stored on the event and retried with backoff; after maxAttempts it is a dead letter.
 */
export class InboxWorker extends BatchProcessor {
  readonly workerId: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly random: () => number;
  /** Claims held when the store failed: given back, not counted as attempts, before anything new is claimed. */
  private readonly stranded = new Set<string>();

  constructor(private readonly options: InboxWorkerOptions) {
    super(options.pollIntervalMs ?? DEFAULTS.worker.pollIntervalMs, (error) =>
      options.logger.error({ err: describeError(error) }, 'inbox worker could not reach the store; will retry'),
    );
    this.workerId = options.workerId ?? `worker-${randomBytes(6).toString('hex')}`;
    this.batchSize = options.batchSize ?? DEFAULTS.worker.batchSize;
    this.leaseMs = options.leaseMs ?? DEFAULTS.worker.leaseMs;
    this.maxAttempts = options.maxAttempts ?? DEFAULTS.worker.maxAttempts;
    this.backoff = options.backoff ?? DEFAULTS.worker.backoff;
    this.random = options.random ?? Math.random;
  }

  protected async runBatch(): Promise<number> {
    await this.releaseStranded();
    const events = await this.options.store.inbox.claim({
      workerId: this.workerId,
      limit: this.batchSize,
      leaseMs: this.leaseMs,
      now: this.options.now(),
    });
    for (const [index, event] of events.entries()) {
      try {
        await this.process(event);
      } catch (error) {
        // The store failed under us: this claim and the rest of the batch go back as soon as it answers again.
        for (const rest of events.slice(index)) this.stranded.add(rest.id);
        throw error;
      }
    }
    return events.length;
  }

  private async releaseStranded(): Promise<void> {
    if (this.stranded.size === 0) return;
    const ids = [...this.stranded];
    await this.options.store.inbox.release({ ids, workerId: this.workerId, now: this.options.now() });
    for (const id of ids) this.stranded.delete(id);
  }

  async process(event: InboxEvent): Promise<ProcessOutcome> {
    const started = performance.now();
    const outcome = await this.processTimed(event);
    const { metrics } = this.options;
    if (metrics) {
      metrics.eventProcessed(outcome.kind, (performance.now() - started) / 1000);
      if (outcome.kind === 'failed') {
        if (outcome.dead) metrics.eventDeadLettered();
        else metrics.eventRetried();
      }
    }
    return outcome;
  }

  private async processTimed(event: InboxEvent): Promise<ProcessOutcome> {
    const { store, logger } = this.options;
    try {
      const outcome = await this.apply(event);
      const done = await store.inbox.complete({
        id: event.id,
        workerId: this.workerId,
        status: outcome.kind === 'applied' ? 'processed' : 'ignored',
        orderId: outcome.kind === 'applied' ? outcome.orderId : null,
        outcome: outcome.kind === 'applied' ? `applied: order is ${outcome.status}` : `ignored: ${outcome.reason}`,
        now: this.options.now(),
      });
      if (!done) return { kind: 'lost_claim' };
      if (outcome.kind === 'applied') {
        logger.info({ eventId: event.id, type: event.type, orderId: outcome.orderId, status: outcome.status }, 'event applied');
        this.options.onApplied?.();
      }
      return outcome;
    } catch (error) {
      // The store's failure is not the event's: no attempt is spent on it, and no dead letter is made of a blip.
      if (isStoreUnavailable(error)) throw error;
      const message = describeError(error);
      const dead = event.attempts >= this.maxAttempts;
      const now = this.options.now();
      const runAt = now + nextAttemptDelayMs(event.attempts, { ...this.backoff, random: this.random });
      await store.inbox.fail({ id: event.id, workerId: this.workerId, error: message, runAt, dead, now });
      logger.warn({ eventId: event.id, type: event.type, attempts: event.attempts, dead, err: message }, dead ? 'event is a dead letter' : 'event failed; will retry');
      return { kind: 'failed', error: message, dead };
    }
  }

  /** An operator's decision is ours, not Stripe's, so only Stripe's events are revalidated. */
  private async stripeEventFacts(event: InboxEvent): Promise<FactMapping> {
    const received = JSON.parse(event.payload) as Stripe.Event;
    const checked = this.options.revalidate ? await this.options.revalidate(received) : { kind: 'current' as const, event: received };
    if (checked.kind === 'ignored') return { kind: 'ignored', reason: checked.reason };
    return eventToFacts(checked.event);
  }

  private async apply(
    event: InboxEvent,
  ): Promise<Extract<ProcessOutcome, { kind: 'applied' }> | Extract<ProcessOutcome, { kind: 'ignored' }>> {
    const mapping = operatorEventToFacts(event) ?? (await this.stripeEventFacts(event));
    if (mapping.kind === 'ignored') return { kind: 'ignored', reason: mapping.reason };
    const order = await resolveOrder(this.options.store, this.options.gateway, mapping.hints);
    if (!order) return { kind: 'ignored', reason: 'no order of this shop matches the event' };
    const result = await this.options.store.applyFacts({
      orderId: order.id,
      facts: stampFacts(mapping.facts, order.id),
      eventId: event.id,
      now: this.options.now(),
      newAccessToken: newAccessToken(),
      decide: decideOrder,
    });
    return { kind: 'applied', orderId: order.id, status: result.after.status, fulfilledNow: result.fulfilledNow };
  }
}
