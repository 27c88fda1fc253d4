import { invalidRequest } from './errors.js';
import type { FormValue, Params, Shape } from './form.js';

/**
 * The payment method types the emulator knows, with the presentment currencies and account countries Stripe's
 * docs list for each (docs.stripe.com/payments/payment-methods/payment-method-support). `card` and `sepa_debit`
 * can be paid here; every other type is validated, accepted and echoed, and waits for a payment method.
 */
interface PaymentMethodType {
  /** Lower-case ISO currencies, or 'any'. */
  currencies: readonly string[] | 'any';
  /** Account countries where Stripe offers the type, or 'any'. */
  countries: readonly string[] | 'any';
  /** What `payment_method_options[<type>]` may hold. */
  options: { readonly [key: string]: Shape };
  /** What Stripe echoes for the type when the request set no option. */
  defaults: Record<string, unknown>;
}

const SETUP_FUTURE_USAGE = { setup_future_usage: true } as const;
const EUROPE = ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GB', 'GR', 'HR', 'HU', 'IE', 'IT', 'LI', 'LT', 'LU', 'LV', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];
const EUROPE_AND_US = [...EUROPE, 'US'];

const TYPES: { readonly [type: string]: PaymentMethodType } = {
  card: {
    currencies: 'any',
    countries: 'any',
    options: {
      capture_method: true, installments: 'any', mandate_options: 'any', network: true, request_three_d_secure: true,
      request_extended_authorization: true, request_incremental_authorization: true, request_multicapture: true,
      request_overcapture: true, require_cvc_recollection: true, statement_descriptor_suffix_kana: true,
      statement_descriptor_suffix_kanji: true, ...SETUP_FUTURE_USAGE,
    },
    defaults: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
  },
  sepa_debit: { currencies: ['eur'], countries: 'any', options: { mandate_options: 'any', ...SETUP_FUTURE_USAGE }, defaults: {} },
  acss_debit: {
    currencies: ['cad', 'usd'],
    countries: ['CA', 'US'],
    options: {
      mandate_options: { custom_mandate_url: true, interval_description: true, payment_schedule: true, transaction_type: true },
      verification_method: true,
      ...SETUP_FUTURE_USAGE,
    },
    defaults: { verification_method: 'automatic' },
  },
  au_becs_debit: { currencies: ['aud'], countries: ['AU'], options: SETUP_FUTURE_USAGE, defaults: {} },
  bacs_debit: { currencies: ['gbp'], countries: ['GB'], options: { mandate_options: 'any', ...SETUP_FUTURE_USAGE }, defaults: {} },
  us_bank_account: {
    currencies: ['usd'],
    countries: ['US'],
    options: { financial_connections: 'any', mandate_options: 'any', networks: 'any', preferred_settlement_speed: true, verification_method: true, ...SETUP_FUTURE_USAGE },
    defaults: { verification_method: 'automatic' },
  },
  konbini: {
    currencies: ['jpy'],
    countries: ['JP'],
    options: { confirmation_number: true, expires_after_days: true, expires_at: true, product_description: true, ...SETUP_FUTURE_USAGE },
    defaults: { confirmation_number: null, expires_after_days: null, expires_at: null, product_description: null },
  },
  customer_balance: {
    currencies: ['usd', 'eur', 'gbp', 'jpy', 'mxn'],
    countries: 'any',
    options: { bank_transfer: 'any', funding_type: true, ...SETUP_FUTURE_USAGE },
    defaults: {},
  },
  ideal: { currencies: ['eur'], countries: EUROPE_AND_US, options: SETUP_FUTURE_USAGE, defaults: {} },
  bancontact: { currencies: ['eur'], countries: EUROPE_AND_US, options: { preferred_language: true, ...SETUP_FUTURE_USAGE }, defaults: { preferred_language: 'en' } },
  eps: { currencies: ['eur'], countries: EUROPE_AND_US, options: SETUP_FUTURE_USAGE, defaults: {} },
  giropay: { currencies: ['eur'], countries: EUROPE_AND_US, options: SETUP_FUTURE_USAGE, defaults: {} },
  p24: { currencies: ['eur', 'pln'], countries: EUROPE_AND_US, options: { tos_shown_and_accepted: true, ...SETUP_FUTURE_USAGE }, defaults: {} },
  sofort: { currencies: ['eur'], countries: EUROPE_AND_US, options: { preferred_language: true, ...SETUP_FUTURE_USAGE }, defaults: { preferred_language: null } },
  alipay: {
    currencies: ['aud', 'cad', 'cny', 'eur', 'gbp', 'hkd', 'jpy', 'myr', 'nzd', 'sgd', 'usd'],
    countries: 'any',
    options: SETUP_FUTURE_USAGE,
    defaults: {},
  },
  wechat_pay: {
    currencies: ['aud', 'cad', 'chf', 'cny', 'dkk', 'eur', 'gbp', 'hkd', 'jpy', 'nok', 'sek', 'sgd', 'usd'],
    countries: 'any',
    options: { app_id: true, client: true, ...SETUP_FUTURE_USAGE },
    defaults: { app_id: null, client: null },
  },
  klarna: {
    currencies: ['aud', 'cad', 'chf', 'czk', 'dkk', 'eur', 'gbp', 'nok', 'nzd', 'pln', 'ron', 'sek', 'usd'],
    countries: [...EUROPE, 'AU', 'CA', 'NZ', 'US'],
    options: { capture_method: true, preferred_locale: true, ...SETUP_FUTURE_USAGE },
    defaults: { preferred_locale: null },
  },
  affirm: { currencies: ['cad', 'usd'], countries: ['CA', 'US'], options: { capture_method: true, preferred_locale: true, ...SETUP_FUTURE_USAGE }, defaults: {} },
  afterpay_clearpay: {
    currencies: ['aud', 'cad', 'gbp', 'nzd', 'usd'],
    countries: ['AU', 'CA', 'GB', 'NZ', 'US'],
    options: { capture_method: true, reference: true, ...SETUP_FUTURE_USAGE },
    defaults: { reference: null },
  },
  oxxo: { currencies: ['mxn'], countries: ['MX'], options: { expires_after_days: true, ...SETUP_FUTURE_USAGE }, defaults: { expires_after_days: 3 } },
  boleto: { currencies: ['brl'], countries: ['BR'], options: { expires_after_days: true, ...SETUP_FUTURE_USAGE }, defaults: { expires_after_days: 3 } },
  fpx: { currencies: ['myr'], countries: ['MY'], options: SETUP_FUTURE_USAGE, defaults: {} },
  grabpay: { currencies: ['myr', 'sgd'], countries: ['MY', 'SG'], options: SETUP_FUTURE_USAGE, defaults: {} },
  paynow: { currencies: ['sgd'], countries: ['SG'], options: SETUP_FUTURE_USAGE, defaults: {} },
  promptpay: { currencies: ['thb'], countries: ['TH'], options: SETUP_FUTURE_USAGE, defaults: {} },
};

export const KNOWN_PAYMENT_METHOD_TYPES: readonly string[] = Object.keys(TYPES);

/** The types the emulator can take a payment for (the others wait in requires_payment_method). */
export const PAYABLE_PAYMENT_METHOD_TYPES: readonly string[] = ['card', 'sepa_debit'];

/** Every type's options shape, for `rejectUnknown` of `payment_method_options`. */
export const PAYMENT_METHOD_OPTIONS_SHAPE: { readonly [type: string]: Shape } = Object.fromEntries(
  Object.entries(TYPES).map(([type, entry]) => [type, entry.options]),
);

/**
 * Holds `payment_method_types` to Stripe's rules, with its messages: a type the account cannot use answers as
 * Stripe does for one not activated; a currency the type does not take names the currencies it does.
 */
export function validatePaymentMethodTypes(types: readonly string[], currency: string, accountCountry: string, param = 'payment_method_types', code?: string): void {
  for (const type of types) {
    const entry = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
    if (!entry) throw notActivated(type, param, code);
    if (entry.currencies !== 'any' && !entry.currencies.includes(currency)) {
      throw invalidRequest(`The currency provided (${currency}) is invalid. Payments with ${type} support the following currencies: ${entry.currencies.join(', ')}.`, param, code);
    }
    if (entry.countries !== 'any' && !entry.countries.includes(accountCountry.toUpperCase())) throw notActivated(type, param, code);
  }
}

function notActivated(type: string, param: string, code: string | undefined): ReturnType<typeof invalidRequest> {
  return invalidRequest(
    `The payment method type provided: ${type} is invalid. Please ensure the provided type is activated in your dashboard (https://dashboard.stripe.com/account/payments/settings) and your account is enabled for any preview features that you are trying to use.`,
    param,
    code,
  );
}

/**
 * `payment_method_options` as Stripe echoes it: each requested type with its defaults, overlaid by what the
 * request set (on update, over what the intent already had).
 */
export function mergePaymentMethodOptions(
  current: Record<string, unknown>,
  params: Params,
  types: readonly string[],
  name = 'payment_method_options',
): Record<string, Record<string, unknown>> {
  const raw = params[name];
  const given = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Params) : {};
  const merged: Record<string, Record<string, unknown>> = {};
  // Automatic payment methods may use any type, so options for a type not listed are kept too.
  for (const type of [...new Set([...types, ...Object.keys(current), ...Object.keys(given)])]) {
    const entry = TYPES[type];
    if (!entry) continue;
    const before = (current[type] as Record<string, unknown> | undefined) ?? structuredClone(entry.defaults);
    merged[type] = overlay(before, given[type]);
  }
  return merged;
}

const INTEGER_OPTIONS = new Set(['expires_after_days', 'expires_at']);
const BOOLEAN_OPTIONS = new Set(['require_cvc_recollection', 'enabled']);
/** Accepted on the request, never shown on the intent. */
const REQUEST_ONLY_OPTIONS = new Set(['tos_shown_and_accepted']);

/** Form values arrive as strings; Stripe answers integers and booleans typed, and '' unsets to null. */
function overlay(base: Record<string, unknown>, value: FormValue | undefined): Record<string, unknown> {
  if (value === undefined || typeof value !== 'object' || Array.isArray(value)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, item] of Object.entries(value)) {
    if (REQUEST_ONLY_OPTIONS.has(key)) continue;
    if (typeof item === 'object' && !Array.isArray(item)) out[key] = overlay((base[key] as Record<string, unknown> | null) ?? {}, item);
    else out[key] = typed(key, item);
  }
  return out;
}

function typed(key: string, value: FormValue): unknown {
  if (typeof value !== 'string') return value;
  if (value === '') return null;
  if (BOOLEAN_OPTIONS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  if (INTEGER_OPTIONS.has(key) && /^\d+$/.test(value)) return Number(value);
  return value;
}
