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

/** Unique-constraint violations look different per driver: PostgreSQL SQLSTATE 23505, SQLite's extended code. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
