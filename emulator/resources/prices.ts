import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../errors.js';
import { mergeMetadata, optionalBoolean, optionalInteger, optionalObject, optionalString, rejectUnknown, stringList, type Params } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { newId } from '../ids.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import type { World } from '../world.js';
import { createProduct } from './products.js';

export const PRICE_DATA_SHAPE = {
  currency: true,
  unit_amount: true,
  product: true,
  product_data: { name: true, description: true, metadata: 'any', images: [true] },
  tax_behavior: true,
} as const;

export const PRICE_CREATE_SHAPE = { ...PRICE_DATA_SHAPE, active: true, metadata: 'any', nickname: true, lookup_key: true, transfer_lookup_key: true } as const;

/**
 * A lookup key names one price in the account: Stripe refuses one already in use unless `transfer_lookup_key`
 * moves it, in which case the other price loses it.
 */
function claimLookupKey(world: World, params: Params, priceId: string): string | undefined {
  const lookupKey = optionalString(params, 'lookup_key');
  if (lookupKey === undefined) return undefined;
  const holder = world.state.prices.newestFirst().find((p) => p.lookup_key === lookupKey && p.id !== priceId);
  if (holder) {
    if (optionalBoolean(params, 'transfer_lookup_key') !== true) throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, 'lookup_key');
    holder.lookup_key = null;
  }
  return lookupKey;
}

/** A one-time price; `product_data` creates its product as Stripe does for inline prices. */
export function createPrice(world: World, params: Params, prefix = '', id = newId('price')): Stripe.Price {
  const name = (field: string): string => (prefix ? `${prefix}[${field}]` : field);
  const currency = optionalString(params, 'currency')?.toLowerCase();
  if (!currency) throw invalidRequest(`Missing required param: ${name('currency')}.`, name('currency'), 'parameter_missing');
  const unitAmount = optionalInteger(params, 'unit_amount', name('unit_amount'));
  if (unitAmount === undefined) throw invalidRequest(`Missing required param: ${name('unit_amount')}.`, name('unit_amount'), 'parameter_missing');
  if (unitAmount < 0) throw invalidRequest('This value must be greater than or equal to 0.', name('unit_amount'));
  let productId = optionalString(params, 'product');
  const productData = optionalObject(params, 'product_data');
  if (productId) {
    if (!world.state.products.get(productId)) throw resourceMissing('product', productId, name('product'));
  } else if (productData) {
    productId = createProduct(world, productData).id;
  } else {
    throw invalidRequest(`Missing required param: ${name('product_data')}.`, name('product_data'), 'parameter_missing');
  }
  const lookupKey = claimLookupKey(world, params, id);
  const price: Stripe.Price = {
    id,
    object: 'price',
    active: optionalBoolean(params, 'active') ?? true,
    billing_scheme: 'per_unit',
    created: world.now(),
    currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: lookupKey ?? null,
    metadata: mergeMetadata({}, params),
    nickname: optionalString(params, 'nickname') ?? null,
    product: productId,
    recurring: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'one_time',
    unit_amount: unitAmount,
    // The SDK types this as its Decimal class; on the wire it is a string.
    unit_amount_decimal: String(unitAmount) as unknown as Stripe.Price['unit_amount_decimal'],
  };
  return world.state.prices.put(price);
}

export function registerPrices(app: FastifyInstance, world: World): void {
  const find = (id: string): Stripe.Price => world.state.prices.get(id) ?? (() => { throw resourceMissing('price', id); })();

  app.post('/v1/prices', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, PRICE_CREATE_SHAPE);
    const price = createPrice(world, params);
    world.emit('price.created', price, causeOf(request));
    return price;
  });
  app.get('/v1/prices/:id', async (request) => world.expand(find(idOf(request)), retrieveParamsOf(request)));
  app.post('/v1/prices/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { active: true, metadata: 'any', nickname: true, lookup_key: true, transfer_lookup_key: true });
    const price = find(idOf(request));
    const lookupKey = claimLookupKey(world, params, price.id);
    price.active = optionalBoolean(params, 'active') ?? price.active;
    price.metadata = mergeMetadata(price.metadata, params);
    price.nickname = optionalString(params, 'nickname') ?? price.nickname;
    price.lookup_key = lookupKey ?? price.lookup_key;
    world.emit('price.updated', price, causeOf(request));
    return price;
  });
  app.get('/v1/prices', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, active: true, product: true, currency: true, lookup_keys: [true], type: true, recurring: 'any' });
    const active = optionalBoolean(params, 'active');
    const product = optionalString(params, 'product');
    const currency = optionalString(params, 'currency');
    const lookupKeys = stringList(params, 'lookup_keys');
    const type = optionalString(params, 'type');
    // Every emulated price is one-time, so a recurring filter matches none.
    const recurring = optionalObject(params, 'recurring');
    const created = createdFilter(params);
    const rows = world.state.prices.newestFirst().filter((p) =>
      (active === undefined || p.active === active) && (!product || p.product === product) && (!currency || p.currency === currency) &&
      (!lookupKeys || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key))) && (!type || p.type === type) &&
      (!recurring || p.recurring !== null) && created(p.created));
    return world.expand(paginate(rows, params, '/v1/prices'), params);
  });
}
