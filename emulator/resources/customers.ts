import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { resourceMissing } from '../errors.js';
import { mergeMetadata, optionalString, rejectUnknown, type Params } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { newId } from '../ids.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import type { World } from '../world.js';

export const CUSTOMER_SHAPE = { email: true, name: true, description: true, phone: true, metadata: 'any' } as const;

export function createCustomer(world: World, params: Params, id = newId('cus')): Stripe.Customer {
  const customer: Stripe.Customer = {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created: world.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: optionalString(params, 'description') ?? null,
    discount: null,
    email: optionalString(params, 'email') ?? null,
    invoice_prefix: newId('x').slice(2, 10).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: mergeMetadata({}, params),
    name: optionalString(params, 'name') ?? null,
    next_invoice_sequence: 1,
    phone: optionalString(params, 'phone') ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  return world.state.customers.put(customer);
}

export function registerCustomers(app: FastifyInstance, world: World): void {
  const find = (id: string): Stripe.Customer => world.state.customers.get(id) ?? (() => { throw resourceMissing('customer', id); })();

  app.post('/v1/customers', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, CUSTOMER_SHAPE);
    const customer = createCustomer(world, params);
    world.emit('customer.created', customer, causeOf(request));
    return customer;
  });
  app.get('/v1/customers/:id', async (request) => world.expand(find(idOf(request)), retrieveParamsOf(request)));
  app.post('/v1/customers/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, CUSTOMER_SHAPE);
    const customer = find(idOf(request));
    const previous = { email: customer.email, name: customer.name };
    customer.email = optionalString(params, 'email') ?? customer.email;
    customer.name = optionalString(params, 'name') ?? customer.name;
    customer.description = optionalString(params, 'description') ?? customer.description;
    customer.phone = optionalString(params, 'phone') ?? customer.phone;
    customer.metadata = mergeMetadata(customer.metadata, params);
    world.emit('customer.updated', customer, causeOf(request), previous);
    return customer;
  });
  app.delete('/v1/customers/:id', async (request) => {
    const customer = find(idOf(request));
    world.state.customers.delete(customer.id);
    world.emit('customer.deleted', customer, causeOf(request));
    return { id: customer.id, object: 'customer', deleted: true };
  });
  app.get('/v1/customers', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, email: true, test_clock: true });
    const email = optionalString(params, 'email');
    const testClock = optionalString(params, 'test_clock');
    const created = createdFilter(params);
    const rows = world.state.customers.newestFirst().filter((c) =>
      (!email || c.email === email) && (!testClock || c.test_clock === testClock) && created(c.created));
    return paginate(rows, params, '/v1/customers');
  });
}
