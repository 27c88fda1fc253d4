/** An amount in the currency's minor unit (cents for usd, yen for jpy) — always an integer. */
export interface Money {
  readonly amount: number;
  /** Lowercase ISO 4217 code, as Stripe writes it: 'usd', 'eur', 'jpy'. */
  readonly currency: string;
}
