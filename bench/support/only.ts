/** BENCH_TARGETS (diagnosis): comma-separated parts of target names, lower case; empty means every target. */
export function onlyFromEnv(): string[] {
  return (process.env.BENCH_TARGETS ?? '')
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w.length > 0);
}

/** Whether a target named `name` runs under `only` (every target when `only` is empty). */
export function isChosen(only: readonly string[], name: string): boolean {
  const lower = name.toLowerCase();
  return only.length === 0 || only.some((word) => lower.includes(word));
}
