export interface RejectionBudgetLimits {
  /** Refused requests of one address that get a delivery-log row each, per minute; the address's others are counted. */
  readonly rowsPerAddress: number;
  /** Refused requests that get a row each per minute, all addresses together. */
  readonly rowsPerMinute: number;
  /** Distinct (address, reason) counts per minute; past it, requests are counted under the address 'other'. */
  readonly countsPerMinute: number;
}

export const DEFAULT_REJECTION_BUDGET: RejectionBudgetLimits = { rowsPerAddress: 5, rowsPerMinute: 100, countsPerMinute: 100 };

/** Counted refusals of addresses past the per-minute cap of distinct counts all go here. */
export const OTHER_ADDRESSES = 'other';
/** The address of a request the transport did not give one. */
export const UNKNOWN_ADDRESS = 'unknown';

export type RejectionRecord =
  | { readonly kind: 'row' }
  /** Add one to the count of (minuteStart, sourceAddress, reason). */
  | { readonly kind: 'count'; readonly minuteStart: number; readonly sourceAddress: string };

const MINUTE_MS = 60_000;

/**
 * Decides how a refused webhook request is recorded: the first few of each address in a minute as a row of their
 * own (what an operator reads to see why), the rest as counts. Whatever the number of addresses, a minute costs
 * at most rowsPerMinute rows plus countsPerMinute counts, plus one 'other' count per reason. The bookkeeping is
 * this process's and holds only the current minute, so its memory is as bounded as the rows.
 */
export class RejectionBudget {
  private minuteStart = Number.NEGATIVE_INFINITY;
  private rows = 0;
  private readonly rowsByAddress = new Map<string, number>();
  private readonly counted = new Set<string>();

  constructor(private readonly limits: RejectionBudgetLimits = DEFAULT_REJECTION_BUDGET) {}

  admit(input: { receivedAt: number; sourceAddress: string | null; reason: string }): RejectionRecord {
    const minuteStart = Math.floor(input.receivedAt / MINUTE_MS) * MINUTE_MS;
    // Only forward: a request stamped just before the minute turned is charged to the new minute, keeping its bound.
    if (minuteStart > this.minuteStart) this.startMinute(minuteStart);
    const address = input.sourceAddress ?? UNKNOWN_ADDRESS;
    const logged = this.rowsByAddress.get(address) ?? 0;
    if (logged < this.limits.rowsPerAddress && this.rows < this.limits.rowsPerMinute) {
      this.rowsByAddress.set(address, logged + 1);
      this.rows += 1;
      return { kind: 'row' };
    }
    const key = `${address}\u0000${input.reason}`;
    if (this.counted.has(key) || this.counted.size < this.limits.countsPerMinute) {
      this.counted.add(key);
      return { kind: 'count', minuteStart: this.minuteStart, sourceAddress: address };
    }
    return { kind: 'count', minuteStart: this.minuteStart, sourceAddress: OTHER_ADDRESSES };
  }

  private startMinute(minuteStart: number): void {
    this.minuteStart = minuteStart;
    this.rows = 0;
    this.rowsByAddress.clear();
    this.counted.clear();
  }
}
