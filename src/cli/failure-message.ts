import { failureKind, type FailureKind } from '../errors/index.js';
import { StartupError } from './startup-errors.js';

const WHAT_TO_DO: Record<FailureKind, string> = {
  stripe_unavailable: 'Stripe did not answer in time; run the command again in a moment',
  stripe_refused: 'Stripe refused the request; running it again will not change that',
  store_unavailable: 'the database could not serve the command; run it again once it answers (DATABASE_URL, or DATA_DIR for SQLite)',
};

/** What a command that failed prints: the error's own words and, for a dependency's failure, its code and what to do. */
export function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // A startup error already names the setting to fix, whatever failed underneath it.
  const kind = error instanceof StartupError ? undefined : failureKind(error);
  return kind === undefined ? message : `${message} (${kind}: ${WHAT_TO_DO[kind]})`;
}
