/** An amount in the currency's minor unit (cents for usd, yen for jpy) — always an integer. */
export interface Money {
  readonly amount: number;
  /** Lowercase ISO 4217 code, as Stripe writes it: 'usd', 'eur', 'jpy'. */
  readonly currency: string;
}

/** Stripe refuses a single charge above this many minor units (eight digits). */
export const MAX_CHARGE_AMOUNT = 99_999_999;

// Stripe's own lists, not ISO's: Stripe keeps e.g. isk and huf in two-decimal form for compatibility,
// and amounts we send and receive are always in Stripe's form.
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

let knownCurrencies: ReadonlySet<string> | undefined;

/** True for a lowercase three-letter ISO 4217 code that this runtime's Intl knows. */
export function isCurrencyCode(value: string): boolean {
  if (!/^[a-z]{3}$/.test(value)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));
  return knownCurrencies.has(value);
}

/** How many decimal places one major unit has in Stripe's amounts: 0 for jpy, 3 for kwd, 2 for most. */
export function minorUnitExponent(currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** "$29.99", "¥500", "29,99 €" — for people; never parse it back. */
export function formatMoney(money: Money, locale = 'en-US'): string {
  const exponent = minorUnitExponent(money.currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(money.amount / 10 ** exponent);
}

/** "2999 usd" — the unambiguous form used in logs and review reasons. */
export function describeMoney(money: Money): string {
  return `${money.amount} ${money.currency}`;
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency === b.currency;
}
