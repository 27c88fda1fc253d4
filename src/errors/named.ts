/**
 * settled's named errors: each has a stable `code` and a message that says what to do. They are defined here, once,
 * so the edges (http/, cli/, adapters/) can recognise them without importing the store or Stripe; where a driver's or
 * the SDK's own error means one of them is decided by `failureKind` (./failure.ts).
 */

/** applyFacts or an attach was given an order id the store has never seen. */
export class OrderNotFoundError extends Error {
  readonly code = 'order_not_found';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist; create the order before attaching Stripe objects or applying facts to it.`);
    this.name = 'OrderNotFoundError';
  }
}

/** The write would contradict what the store already holds (another id, or a value claimed by another order). */
export class OrderConflictError extends Error {
  readonly code = 'order_conflict';
  constructor(readonly orderId: string, detail: string) {
    super(`Order ${orderId}: ${detail}`);
    this.name = 'OrderConflictError';
  }
}

/** The database was migrated by a newer settled; running older code against it could corrupt it. */
export class SchemaTooNewError extends Error {
  readonly code = 'schema_too_new';
  constructor(readonly unknownMigrations: readonly string[]) {
    super(
      `The database has migration(s) this version of settled does not know: ${unknownMigrations.join(', ')}. ` +
        'Upgrade settled to the version that created them; never run an older version against a newer schema.',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The store could not do what was asked (unreachable, timed out, out of space); nothing was committed. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A Stripe call used up its budget (every attempt and wait included) without an answer. Whether a create that
 * timed out reached Stripe is unknown; sending it again with the same idempotency key is what makes that safe.
 */
export class StripeUnavailableError extends Error {
  readonly code = 'stripe_unavailable';
  constructor(
    readonly budgetMs: number,
    readonly attempts: number,
    options: { cause?: unknown } = {},
  ) {
    const last = options.cause instanceof Error ? `; the last attempt ended with: ${options.cause.message}` : '';
    super(`Stripe did not answer within ${budgetMs / 1000} s (${attempts} attempt${attempts === 1 ? '' : 's'})${last}`, options);
    this.name = 'StripeUnavailableError';
  }
}
