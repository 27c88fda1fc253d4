import { readFile } from 'node:fs/promises';
import { StripeApiError } from './errors.js';
import { rejectUnknown, type FormValue, type Params } from './form.js';
import { createCustomer, CUSTOMER_SHAPE } from './resources/customers.js';
import { createPrice, PRICE_CREATE_SHAPE } from './resources/prices.js';
import { createProduct, PRODUCT_CREATE_SHAPE } from './resources/products.js';
import type { World } from './world.js';

/**
 * Objects that exist from the start (and again after a reset), with the ids the app expects: `--seed file.json`.
 * Each entry takes the parameters of its create call, as JSON, plus `id`.
 */
export interface SeedData {
  products?: Array<Record<string, unknown>>;
  prices?: Array<Record<string, unknown>>;
  customers?: Array<Record<string, unknown>>;
}

const KINDS = ['products', 'prices', 'customers'] as const;

export async function readSeedFile(path: string): Promise<SeedData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`--seed: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`--seed: ${path} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`--seed: ${path} must hold an object with products, prices and customers`);
  const strays = Object.keys(data).filter((key) => !(KINDS as readonly string[]).includes(key));
  if (strays.length > 0) throw new Error(`--seed: ${path} has ${strays.join(', ')}; it may hold ${KINDS.join(', ')}`);
  for (const kind of KINDS) {
    const list = (data as Record<string, unknown>)[kind];
    if (list !== undefined && !Array.isArray(list)) throw new Error(`--seed: ${kind} in ${path} must be a list`);
  }
  return data as SeedData;
}

/** JSON numbers and booleans become the strings a form would carry, so the create calls' own checks apply. */
function asForm(value: unknown): FormValue {
  if (Array.isArray(value)) return value.map(asForm);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asForm(item)]));
  return value === null || value === undefined ? '' : String(value);
}

/** Creates the seed's objects, products first so prices can name them; a bad entry says which one and why. */
export function applySeed(world: World, seed: SeedData): void {
  const each = (kind: (typeof KINDS)[number], create: (params: Params, id: string | undefined) => void): void => {
    (seed[kind] ?? []).forEach((entry, index) => {
      const { id, ...rest } = asForm(entry) as Params;
      try {
        create(rest, typeof id === 'string' && id !== '' ? id : undefined);
      } catch (error) {
        const reason = error instanceof StripeApiError ? error.message : error instanceof Error ? error.message : String(error);
        throw new Error(`seed ${kind}[${index}]${typeof id === 'string' ? ` (${id})` : ''}: ${reason}`);
      }
    });
  };
  each('products', (params, id) => {
    rejectUnknown(params, PRODUCT_CREATE_SHAPE);
    createProduct(world, id ? { ...params, id } : params);
  });
  each('prices', (params, id) => {
    rejectUnknown(params, PRICE_CREATE_SHAPE);
    createPrice(world, params, '', id);
  });
  each('customers', (params, id) => {
    rejectUnknown(params, CUSTOMER_SHAPE);
    createCustomer(world, params, id);
  });
}
