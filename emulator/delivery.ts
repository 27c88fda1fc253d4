import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';
import { normalizeChaos, seededRandom, type ChaosOptions } from './chaos.js';
import type { Clock } from './clock.js';
import type { EventRecord, State } from './state.js';

/** Bounds memory in long soaks; the oldest attempts are forgotten first. */
const MAX_RECORDED_ATTEMPTS = 100_000;
const RESPONSE_PREVIEW_CHARS = 1000;

/** Stripe test mode retries three times over a few hours. */
export const DEFAULT_RETRY_SCHEDULE_MS = [5 * 60_000, 30 * 60_000, 2 * 60 * 60_000];

export interface DeliveryAttempt {
  id: number;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  url: string;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Which chaos duplicate this is (1 without chaos). */
  copy: number;
  sent_at: string;
  duration_ms: number;
  status: number | null;
  ok: boolean;
  error: string | null;
  /** True when chaos failed the attempt before it reached the endpoint. */
  chaos_failed: boolean;
  /**
   * Why the attempt failed (null when it succeeded): `chaos` (failed on purpose, never sent), `connection` (no
   * connection, or it broke before an answer), `timeout` (no answer within the delivery timeout), `status` (the
   * endpoint answered, but not 2xx).
   */
  failure: DeliveryFailure | null;
  /** The start of the endpoint's answer (at most 1 000 characters), for the delivery page. */
  response_body: string | null;
  /** When the next attempt is due (ISO, emulator clock), or null when none will follow. */
  next_retry_at: string | null;
}

/** What a delivery is doing, as it happens: for `listen` and the delivery page. */
export type DeliveryNotice =
  | { kind: 'sending'; event_id: string; event_type: string; endpoint_id: string; url: string; attempt: number; copy: number }
  | { kind: 'attempt'; attempt: DeliveryAttempt };

export type DeliveryFailure = 'chaos' | 'connection' | 'timeout' | 'status';

interface Job {
  eventId: string;
  endpointId: string;
  copy: number;
  attempt: number;
}

export interface DeliveryOptions {
  retryScheduleMs: number[];
  deliveryTimeoutMs: number;
  chaos?: ChaosOptions;
}

export function signPayload(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

export class Delivery {
  private readonly attemptsLog: DeliveryAttempt[] = [];
  private nextAttemptId = 1;
  private inFlight = 0;
  private held: Job[] = [];
  private paused = false;
  private idleWaiters: Array<() => void> = [];
  /** Per event, the endpoints that have had one successful delivery (duplicates count once). */
  private delivered = new Map<string, Set<string>>();
  private chaos: Required<ChaosOptions>;
  private random: () => number;
  private generation = 0;
  /** Per event, first attempts not yet made, for callers that wait on them (Checkout's redirect). */
  private firstAttempts = new Map<string, { remaining: number; waiters: Array<() => void> }>();
  private readonly listeners = new Set<(notice: DeliveryNotice) => void>();
  /** Endpoints that receive one attempt at a time, in the order the attempts fell due (`listen`'s endpoints). */
  private readonly ordered = new Set<string>();
  private chains = new Map<string, Promise<void>>();

  constructor(
    private readonly state: State,
    private readonly clock: Clock,
    private readonly options: DeliveryOptions,
  ) {
    this.chaos = normalizeChaos(options.chaos);
    this.random = seededRandom(this.chaos.seed);
  }

  setChaos(chaos: ChaosOptions | undefined): Required<ChaosOptions> {
    this.chaos = normalizeChaos(chaos);
    this.random = seededRandom(this.chaos.seed);
    return this.chaos;
  }

  getChaos(): Required<ChaosOptions> {
    return this.chaos;
  }

  retrySchedule(): number[] {
    return [...this.options.retryScheduleMs];
  }

  isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const job of held) this.schedule(job, 0);
  }

  /** Calls `listener` for every attempt as it starts and ends; returns the unsubscribe function. */
  subscribe(listener: (notice: DeliveryNotice) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** From now on, attempts to this endpoint are made one at a time, in the order they fall due. */
  deliverInOrder(endpointId: string): void {
    this.ordered.add(endpointId);
  }

  /** Sends the event to each endpoint again, now, as a fresh first attempt with its own retries (Stripe's resend). */
  resend(event: EventRecord, endpointIds: string[]): void {
    for (const endpointId of endpointIds) this.schedule({ eventId: event.id, endpointId, copy: 1, attempt: 1 }, 0);
  }

  attempts(): DeliveryAttempt[] {
    return [...this.attemptsLog];
  }

  pending(): number {
    return this.inFlight;
  }

  heldCount(): number {
    return this.held.length;
  }

  /** Resolves true once nothing is scheduled or in flight (held, paused events excepted), false on timeout. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  reset(): void {
    this.generation++;
    this.attemptsLog.length = 0;
    this.held = [];
    this.delivered.clear();
    for (const entry of this.firstAttempts.values()) entry.waiters.forEach((waiter) => waiter());
    this.firstAttempts.clear();
    this.inFlight = 0;
    this.paused = false;
    this.chains.clear();
    this.notifyIfIdle();
  }

  /** Schedules an event for every endpoint in `endpointIds`, with chaos duplicates and delays. */
  enqueue(event: EventRecord, endpointIds: string[]): void {
    this.delivered.set(event.id, new Set());
    if (!this.paused && endpointIds.length > 0) this.firstAttempts.set(event.id, { remaining: endpointIds.length, waiters: [] });
    for (const endpointId of endpointIds) {
      const copies = 1 + Math.floor(this.random() * this.chaos.duplicates);
      for (let copy = 1; copy <= copies; copy++) {
        const delay = this.chaos.delayMs + (this.chaos.shuffleWindowMs > 0 ? Math.floor(this.random() * this.chaos.shuffleWindowMs) : 0);
        const job = { eventId: event.id, endpointId, copy, attempt: 1 };
        if (this.paused) this.held.push(job);
        else this.schedule(job, delay);
      }
    }
  }

  /** Resolves once every endpoint has had its first attempt at `eventId` (whatever the answer), or on timeout. */
  waitFirstAttempts(eventId: string, timeoutMs: number): Promise<void> {
    const entry = this.firstAttempts.get(eventId);
    if (!entry) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      entry.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private firstAttemptMade(job: Job): void {
    if (job.attempt !== 1 || job.copy !== 1) return;
    const entry = this.firstAttempts.get(job.eventId);
    if (!entry) return;
    entry.remaining -= 1;
    if (entry.remaining > 0) return;
    this.firstAttempts.delete(job.eventId);
    entry.waiters.forEach((waiter) => waiter());
  }

  private schedule(job: Job, delayMs: number): void {
    this.inFlight++;
    const generation = this.generation;
    this.clock.after(delayMs, () => {
      if (generation !== this.generation) return;
      void this.inTurn(job.endpointId, () => this.run(job)).finally(() => {
        if (generation !== this.generation) return;
        this.firstAttemptMade(job);
        this.inFlight--;
        this.notifyIfIdle();
      });
    });
  }

  /** For an ordered endpoint, waits for the attempt before; for the others, runs at once. */
  private inTurn(endpointId: string, run: () => Promise<void>): Promise<void> {
    if (!this.ordered.has(endpointId)) return run();
    const next = (this.chains.get(endpointId) ?? Promise.resolve()).then(run, run);
    this.chains.set(endpointId, next);
    return next;
  }

  private notify(notice: DeliveryNotice): void {
    for (const listener of this.listeners) {
      // A listener that throws (a closed stream) must not break delivery.
      try {
        listener(notice);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }

  private notifyIfIdle(): void {
    if (this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private async run(job: Job): Promise<void> {
    if (this.paused) {
      this.held.push(job);
      return;
    }
    const event = this.state.events.get(job.eventId);
    const endpoint = this.state.webhookEndpoints.get(job.endpointId);
    if (!event || !endpoint || endpoint.status !== 'enabled') return;
    const retriesLeft = job.attempt <= this.options.retryScheduleMs.length;
    // Chaos never fails the last attempt, so every event still reaches a healthy endpoint at least once.
    const chaosFails = retriesLeft && this.chaos.failRate > 0 && this.random() < this.chaos.failRate;
    this.notify({ kind: 'sending', event_id: event.id, event_type: event.type, endpoint_id: endpoint.id, url: endpoint.url, attempt: job.attempt, copy: job.copy });
    const sentAt = new Date().toISOString();
    const outcome = chaosFails
      ? { status: null, error: 'chaos: failed before reaching the endpoint', failure: 'chaos' as const, durationMs: 0, body: null }
      : await this.post(event, endpoint);
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const retryDelay = ok ? undefined : this.options.retryScheduleMs[job.attempt - 1];
    const attempt: DeliveryAttempt = {
      id: this.nextAttemptId++,
      event_id: event.id,
      event_type: event.type,
      endpoint_id: endpoint.id,
      url: endpoint.url,
      attempt: job.attempt,
      copy: job.copy,
      sent_at: sentAt,
      duration_ms: outcome.durationMs,
      status: outcome.status,
      ok,
      error: ok ? null : outcome.error ?? `endpoint answered ${String(outcome.status)}`,
      chaos_failed: chaosFails,
      failure: ok ? null : (outcome.failure ?? 'status'),
      response_body: outcome.body,
      next_retry_at: retryDelay === undefined ? null : new Date(this.clock.nowMs() + retryDelay).toISOString(),
    };
    this.attemptsLog.push(attempt);
    if (this.attemptsLog.length > MAX_RECORDED_ATTEMPTS) this.attemptsLog.splice(0, this.attemptsLog.length - MAX_RECORDED_ATTEMPTS);
    if (ok) this.markDelivered(event, endpoint.id);
    if (retryDelay !== undefined) this.schedule({ ...job, attempt: job.attempt + 1 }, retryDelay);
    this.notify({ kind: 'attempt', attempt });
  }

  private markDelivered(event: EventRecord, endpointId: string): void {
    const done = this.delivered.get(event.id) ?? new Set<string>();
    this.delivered.set(event.id, done);
    if (done.has(endpointId)) return;
    done.add(endpointId);
    event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
  }

  private async post(
    event: EventRecord,
    endpoint: Stripe.WebhookEndpoint,
  ): Promise<{ status: number | null; error: string | null; failure: DeliveryFailure | null; durationMs: number; body: string | null }> {
    const secret = this.state.webhookSecrets.get(endpoint.id) ?? '';
    const payload = JSON.stringify(event, null, 2);
    // Real wall-clock seconds, re-signed per attempt, so a receiver's 300 s tolerance holds even after clock advances.
    const header = signPayload(payload, secret, Math.floor(Date.now() / 1000));
    const started = Date.now();
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.deliveryTimeoutMs),
      });
      const body = await response.text().catch(() => '');
      return { status: response.status, error: null, failure: null, durationMs: Date.now() - started, body: body.slice(0, RESPONSE_PREVIEW_CHARS) };
    } catch (error) {
      const durationMs = Date.now() - started;
      if (error instanceof Error && error.name === 'TimeoutError') {
        return { status: null, error: `timed out after ${this.options.deliveryTimeoutMs} ms`, failure: 'timeout', durationMs, body: null };
      }
      return { status: null, error: `connection failed: ${error instanceof Error ? error.message : String(error)}`, failure: 'connection', durationMs, body: null };
    }
  }
}
