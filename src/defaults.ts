/**
 * Every default settled has, once. The configuration schema (`config.ts`) defaults the environment from these, and
 * the library (`createSettled`, the workers, the gateway) falls back to the same values, so `settled serve` and a
 * library caller who sets nothing behave alike. Times are in the unit their name says.
 */
/** Most items a queue's batch claims, by store (see DEFAULTS.worker). */
const QUEUE_BATCH_SIZE = { sqlite: 256, postgres: 256 } as const;

export const DEFAULTS = {
  port: 4242,
  host: '127.0.0.1',
  /** Readable lines when the output is a terminal, JSON lines otherwise. */
  logFormat: 'auto',
  catalogSource: 'file',
  webhookToleranceSeconds: 300,
  /** Each Stripe call someone waits on, every retry included; and each call of the worker or a reconciliation. */
  stripeBudgetMs: { request: 10_000, background: 60_000 },
  database: { poolSize: 10, statementTimeoutMs: 15_000, lockTimeoutMs: 5_000, connectTimeoutMs: 5_000 },
  rateLimits: { buyerPerMinute: 120, webhookRejectedPerMinute: 60 },
  /**
   * The inbox queue. A batch is written in one commit; an event still waiting on Stripe `slowAfterMs` after its batch
   * was claimed is left to a later batch, so it holds up no other order. The batch size is the store's, 256 on both
   * today. On PostgreSQL each batch's round trips wait behind the intake's requests when the process is busy, so a
   * larger batch keeps processing up with intake (processed ÷ accepted 0.39 at 64, 0.93 at 256, in one ingest run).
   * On SQLite a batch's write shares the intake's commit: at 64 it held the intake less long (p99 53 against 90 ms
   * at 256) while an event's payload was rewritten with its row. Since payloads live apart (migration 011), a
   * backlog drains at about 4,500 events/s at 256 against 2,500–3,400 at 64 (the write thread's CPU per event
   * 141–163 → 96–98 µs, as a commit's shared pages serve more events), and `serve`'s intake p99 was 62–75 ms at 256
   * against 53–79 at 64, in alternation.
   *
   * After a batch that was not full the loop waits `gatherMs` before claiming again: much of a batch's cost (its
   * claim, reads and commits) is the same for 10 events as for 100, so under load fewer, fuller batches leave more
   * CPU to the intake. A lone event is still claimed as soon as it is stored; those right behind it wait up to 20 ms. Measured
   * in alternation on `serve` (SQLite, saturated): batches p50 32 → 110–130 events, webhook 1,824–2,194 →
   * 2,121–2,573 req/s, CPU per request 570–656 → 450–557 µs (50 ms did about as well: 2,134–2,715); on PostgreSQL
   * with three `settled worker` processes the pipeline took 1,000/s where it had taken 903 of them.
   *
   * While it finds full batches (a backlog) a worker runs two at once (`lanes`): one batch's claim and preparation
   * on the event loop overlap the other's commit, so neither the event loop nor the store waits on the other. A
   * worker that keeps up runs one, at no extra cost. Measured in alternation, draining 4,000 events: SQLite
   * 5,134–5,331 → 6,215–6,348 events/s, one PostgreSQL `settled worker` process 2,489–2,493 → 2,741–2,929 (CPU per
   * event about the same); PostgreSQL `serve` under full load went from processing 0.71–0.73 of what it accepted to
   * 1.01–1.03 (its intake 2,535–2,698 → 2,002–2,168 req/s: the event loop's time moved to the worker). Three
   * processes' lanes add nothing (2,392–2,422 → 2,387): they already overlap one another.
   */
  worker: { maxAttempts: 10, leaseMs: 60_000, pollIntervalMs: 200, gatherMs: 20, batchSize: QUEUE_BATCH_SIZE, slowAfterMs: 200, lanes: 2, backoff: { baseMs: 1_000, maxMs: 5 * 60_000 } },
  /**
   * The outbox queue. The shop's handlers (onFulfilled, confirmations) are retried longer than events: a mail server
   * may be down for hours. A handler still running `slowAfterMs` after its batch was claimed is settled by a later
   * batch, so a hung mail server or notify URL holds up no other order's delivery. Its batches gather as the inbox's do.
   */
  outbox: { maxAttempts: 20, leaseMs: 60_000, pollIntervalMs: 200, gatherMs: 20, batchSize: QUEUE_BATCH_SIZE, slowAfterMs: 500, lanes: 1, backoff: { baseMs: 1_000, maxMs: 10 * 60_000 } },
  /**
   * Notifications to the shop's backend (SETTLED_NOTIFY_URL): each POST bounded in time; retried as Stripe retries
   * webhooks, for about three days (23 waits, doubling from a minute to at most six hours, jittered), then dead.
   * On PostgreSQL the pull API shows a notification pullSettleMs after it was queued (see notificationsAfter).
   */
  notify: { timeoutMs: 10_000, maxAttempts: 24, backoff: { baseMs: 60_000, maxMs: 6 * 3_600_000 }, eventsPageSize: 100, pullSettleMs: 5_000 },
  /** How long an Idempotency-Key stays with a request that has not answered yet (after a crash another may take it). */
  apiIdempotencyLeaseMs: 60_000,
  reconcile: {
    intervalMs: 300_000,
    lookbackSeconds: 72 * 3600,
    overlapSeconds: 60,
    staleAfterMs: 60 * 60_000,
    sweepLimit: 500,
    /** `settled reconcile`, asked for by an operator who waits for it, looks at twice as many stale orders as the timer. */
    manualSweepLimit: 1_000,
    deliveryLogRetentionMs: 14 * 86_400_000,
  },
  /** Stripe Prices read for orders are kept this long and this many at most, then read again. */
  stripePrices: { maxAgeMs: 5 * 60_000, maxEntries: 1_000 },
  /** How long verify-on-landing waits for the worker to apply what Stripe said. */
  verifyWaitMs: 5_000,
} as const;
