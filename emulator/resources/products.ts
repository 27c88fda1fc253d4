import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { resourceMissing } from '../errors.js';
import { mergeMetadata, optionalBoolean, optionalString, rejectUnknown, requiredString, stringList, type Params } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { newId } from '../ids.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import type { World } from '../world.js';

export const PRODUCT_CREATE_SHAPE = { name: true, description: true, active: true, metadata: 'any', images: [true], id: true, url: true } as const;

export function createProduct(world: World, params: Params): Stripe.Product {
  const now = world.now();
  const product: Stripe.Product = {
    id: optionalString(params, 'id') ?? newId('prod'),
    object: 'product',
    active: optionalBoolean(params, 'active') ?? true,
    created: now,
    default_price: null,
    description: optionalString(params, 'description') ?? null,
    images: stringList(params, 'images') ?? [],
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, params),
    name: requiredString(params, 'name'),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: optionalString(params, 'url') ?? null,
  };
  return world.state.products.put(product);
}

export function registerProducts(app: FastifyInstance, world: World): void {
  const find = (id: string): Stripe.Product => world.state.products.get(id) ?? (() => { throw resourceMissing('product', id); })();

  app.post('/v1/products', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, PRODUCT_CREATE_SHAPE);
    const product = createProduct(world, params);
    world.emit('product.created', product, causeOf(request));
    return product;
  });
  app.get('/v1/products/:id', async (request) => world.expand(find(idOf(request)), retrieveParamsOf(request)));
  app.post('/v1/products/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { name: true, description: true, active: true, metadata: 'any', images: [true], url: true });
    const product = find(idOf(request));
    product.name = optionalString(params, 'name') ?? product.name;
    product.description = optionalString(params, 'description') ?? product.description;
    product.active = optionalBoolean(params, 'active') ?? product.active;
    product.metadata = mergeMetadata(product.metadata, params);
    product.updated = world.now();
    world.emit('product.updated', product, causeOf(request));
    return product;
  });
  app.get('/v1/products', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, active: true, ids: [true], shippable: true, url: true });
    const active = optionalBoolean(params, 'active');
    const ids = stringList(params, 'ids');
    const shippable = optionalBoolean(params, 'shippable');
    const url = optionalString(params, 'url');
    const created = createdFilter(params);
    const rows = world.state.products.newestFirst().filter((p) =>
      (active === undefined || p.active === active) && (!ids || ids.includes(p.id)) &&
      (shippable === undefined || p.shippable === shippable) && (!url || p.url === url) && created(p.created));
    return paginate(rows, params, '/v1/products');
  });
}
