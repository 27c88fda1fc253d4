import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from './store/types.js';

/** What the webhook intake reports; plain callbacks so that the intake knows nothing of Prometheus. */
export interface IntakeMetricsHooks {
  /** outcome: stored | duplicate | rejected | failed; reason: the rejection code, or 'none'. */
  webhookReceived(outcome: string, reason: string): void;
}

/** What the inbox worker reports. */
export interface WorkerMetricsHooks {
  /** outcome: applied | ignored | failed | lost_claim; seconds spent on the event. */
  eventProcessed(outcome: string, seconds: number): void;
  eventRetried(): void;
  eventDeadLettered(): void;
}

export interface SettledMetrics {
  readonly registry: Registry;
  readonly intake: IntakeMetricsHooks;
  readonly worker: WorkerMetricsHooks;
  /** 'skipped': another process held the reconcile lease for this interval. */
  reconcileRun(outcome: 'ok' | 'failed' | 'skipped'): void;
}

/**
 * One registry per createSettled instance (never the global one), so that several instances in a process
 * keep their own numbers. Gauges read the store at scrape time: no background polling for them.
 */
export function createMetrics(options: { store: Store; now: () => number }): SettledMetrics {
  const registry = new Registry();
  const webhooks = new Counter({
    name: 'settled_webhooks_received_total',
    help: 'Webhook requests by outcome (stored, duplicate, rejected, failed) and rejection reason.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'settled_event_processing_seconds',
    help: 'Time to process one inbox event, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({ name: 'settled_event_retries_total', help: 'Inbox events that failed and were scheduled again.', registers: [registry] });
  const deadLetters = new Counter({ name: 'settled_dead_letters_total', help: 'Inbox events given up on after the last attempt.', registers: [registry] });
  const reconcileRuns = new Counter({
    name: 'settled_reconciler_runs_total',
    help: 'Reconciliation runs by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'settled_inbox_lag_seconds',
    help: 'Age of the oldest pending inbox event (0 when none is pending).',
    registers: [registry],
    async collect() {
      const { oldestPendingAt } = await options.store.inbox.stats();
      this.set(oldestPendingAt === null ? 0 : Math.max(0, (options.now() - oldestPendingAt) / 1000));
    },
  });
  new Gauge({
    name: 'settled_orders',
    help: 'Orders by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await options.store.orders.countByStatus();
      this.reset();
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });
  return {
    registry,
    intake: { webhookReceived: (outcome, reason) => webhooks.inc({ outcome, reason }) },
    worker: {
      eventProcessed: (outcome, seconds) => latency.observe({ outcome }, seconds),
      eventRetried: () => retries.inc(),
      eventDeadLettered: () => deadLetters.inc(),
    },
    reconcileRun: (outcome) => reconcileRuns.inc({ outcome }),
  };
}
