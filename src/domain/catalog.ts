import { z } from 'zod';
import { MAX_CHARGE_AMOUNT, isCurrencyCode } from './money.js';
import type { Money } from './money.js';
import type { OrderLine } from './order.js';
import { MAX_LINE_QUANTITY } from './order-lines.js';
import { priceRequest } from './pricing.js';

/** What /access/:token serves to a buyer who paid. */
export interface CatalogResource {
  readonly title: string;
  /** Markdown or plain text. */
  readonly body: string;
  readonly url?: string;
}

export interface CatalogItem {
  readonly sku: string;
  readonly name: string;
  /** Minor units of `currency`, integer. */
  readonly unitAmount: number;
  readonly currency: string;
  /** What /access/:token shows for this item; absent when the shop fulfills it by itself. */
  readonly resource?: CatalogResource | undefined;
}

export interface Catalog {
  readonly items: readonly CatalogItem[];
}

export class CatalogError extends Error {
  readonly code = 'invalid_catalog';
  /** `source`: where the catalog came from (its file), when it came from one. */
  constructor(readonly problems: readonly string[], readonly source?: string) {
    super(`The catalog${source === undefined ? '' : ` ${source}`} is invalid; fix ${problems.length === 1 ? 'this' : 'these'} and start again:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    this.name = 'CatalogError';
  }
}

export { MAX_LINE_QUANTITY };

// Strict: a misspelt key ("unitAmout") is named, not silently dropped and reported as the key it meant to be.
const itemSchema = z.strictObject({
  sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"'),
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  unitAmount: z
    .number({ error: 'must be a number of minor units (1999 for $19.99)' })
    .int('must be an integer number of minor units (1999 for $19.99), not a decimal price')
    .positive('must be positive')
    .max(MAX_CHARGE_AMOUNT, `must be at most ${MAX_CHARGE_AMOUNT}, Stripe's largest charge`),
  currency: z.string().refine(isCurrencyCode, 'must be a lowercase ISO 4217 code such as "usd"'),
  resource: z.strictObject({
    title: z.string().trim().min(1, 'must not be empty'),
    body: z.string().min(1, 'must not be empty'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  }).optional(),
});

const catalogSchema = z
  .strictObject({ items: z.array(itemSchema).min(1, 'the catalog has no items; add at least one') })
  .superRefine((catalog, ctx) => {
    const seen = new Set<string>();
    catalog.items.forEach((item, index) => {
      if (seen.has(item.sku)) ctx.addIssue({ code: 'custom', path: ['items', index, 'sku'], message: `duplicate sku "${item.sku}"; each sku must be unique` });
      seen.add(item.sku);
    });
  });

/** Whether any item has a resource, i.e. whether settled's /access/:token page has something to serve. */
export function servesResources(catalog: Catalog): boolean {
  return catalog.items.some((item) => item.resource !== undefined);
}

/** Validates a parsed catalog JSON; throws CatalogError listing every problem with its place. */
export function parseCatalog(json: unknown, source?: string): Catalog {
  const result = catalogSchema.safeParse(json);
  if (result.success) return result.data;
  throw new CatalogError(result.error.issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`), source);
}

/** Parses a catalog file's text; broken JSON is reported at its line and column (1-based), as an editor shows it. */
export function parseCatalogText(text: string, source?: string): Catalog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CatalogError([jsonSyntaxProblem(text, error instanceof Error ? error.message : String(error))], source);
  }
  return parseCatalog(json, source);
}

function jsonSyntaxProblem(text: string, message: string): string {
  // V8 says "… in JSON at position N" (Node 22 adds the line); the end of the input has no position.
  const position = Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
  const before = text.slice(0, position).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const reason = message.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  return `line ${line}, column ${column}: not valid JSON (${reason})`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const keys = issue.keys.map((key) => `"${key}"`).join(', ');
  const known = issue.path.at(-1) === 'resource' ? 'title, body, url' : issue.path.length === 0 ? 'items' : 'sku, name, unitAmount, currency, resource';
  return `unknown key${issue.keys.length === 1 ? '' : 's'} ${keys}; the keys here are ${known}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'catalog';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

export function findCatalogItem(catalog: Catalog, sku: string): CatalogItem | undefined {
  return catalog.items.find((item) => item.sku === sku);
}

export interface OrderRequest {
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
}

export type PriceRejection = 'unknown_sku' | 'bad_quantity' | 'mixed_currencies' | 'empty_order' | 'amount_too_large' | 'too_many_lines' | 'bad_amount' | 'bad_currency';

/** A priced order, or why not: `code` is a PriceRejection, or a price source's own refusal (the shop's, Stripe's). */
export type PricedOrder =
  | { readonly kind: 'priced'; readonly lines: OrderLine[]; readonly total: Money }
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string };

/** Prices a buyer's request from the server's static catalog only. */
export function priceOrder(catalog: Catalog, request: OrderRequest): PricedOrder {
  return priceRequest(request, (sku) => findCatalogItem(catalog, sku));
}
