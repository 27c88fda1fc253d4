/** Exponential backoff with full jitter, capped; `random` is injected so tests can pin it. */
export function nextAttemptDelayMs(attempts: number, options: { baseMs: number; maxMs: number; random: () => number }): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * options.random());
}
