export interface ChaosOptions {
  /** Deliver each event 1..N times (uniformly chosen per event and endpoint). */
  duplicates?: number;
  /** Spread deliveries over a random delay in [0, window) so their order shuffles. */
  shuffleWindowMs?: number;
  /** Fixed delay added before every first attempt. */
  delayMs?: number;
  /** 0..1, fraction of delivery attempts failed before reaching the endpoint. */
  failRate?: number;
  seed?: number;
}

/** mulberry32: small, seeded and good enough to make chaos runs repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normalizeChaos(chaos: ChaosOptions | undefined): Required<ChaosOptions> {
  return {
    duplicates: Math.max(1, Math.floor(chaos?.duplicates ?? 1)),
    shuffleWindowMs: Math.max(0, chaos?.shuffleWindowMs ?? 0),
    delayMs: Math.max(0, chaos?.delayMs ?? 0),
    failRate: Math.min(1, Math.max(0, chaos?.failRate ?? 0)),
    seed: chaos?.seed ?? Date.now(),
  };
}
