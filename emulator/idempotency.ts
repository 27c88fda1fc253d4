import { StripeApiError } from './errors.js';

interface Entry {
  createdAtMs: number;
  fingerprint: string;
  done: boolean;
  status: number;
  body: string;
}

export type IdempotencyCheck = { kind: 'fresh' } | { kind: 'replay'; status: number; body: string };

/** Stripe's Idempotency-Key semantics: the first result is replayed; other parameters under the same key are refused. */
// Stripe prunes keys after 24 h; the cap bounds memory in long soaks where the SDK keys every POST.
const RETENTION_MS = 24 * 60 * 60 * 1000;
const MAX_ENTRIES = 100_000;

export class IdempotencyCache {
  private entries = new Map<string, Entry>();

  check(key: string, fingerprint: string): IdempotencyCheck {
    if (key.length > 255) throw new StripeApiError(400, { type: 'invalid_request_error', message: 'Idempotency-Key must be at most 255 characters.' });
    const entry = this.entries.get(key);
    if (!entry) {
      this.prune();
      this.entries.set(key, { createdAtMs: Date.now(), fingerprint, done: false, status: 0, body: '' });
      return { kind: 'fresh' };
    }
    if (entry.fingerprint !== fingerprint) {
      throw new StripeApiError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    if (!entry.done) {
      throw new StripeApiError(409, {
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message: 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' + key + '. Please try again later.',
      });
    }
    return { kind: 'replay', status: entry.status, body: entry.body };
  }

  store(key: string, status: number, body: string): void {
    const entry = this.entries.get(key);
    if (!entry || entry.done) return;
    entry.done = true;
    entry.status = status;
    entry.body = body;
  }

  forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry && !entry.done) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries are in insertion order, so the oldest are first. */
  private prune(): void {
    const cutoff = Date.now() - RETENTION_MS;
    for (const [key, entry] of this.entries) {
      if (entry.createdAtMs >= cutoff && this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(key);
    }
  }
}
