import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { resourceMissing } from '../errors.js';
import { optionalString, rejectUnknown } from '../form.js';
import { idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import type { World } from '../world.js';

export function findCharge(world: World, id: string, param = 'id'): Stripe.Charge {
  const charge = world.state.charges.get(id);
  if (!charge) throw resourceMissing('charge', id, param);
  return charge;
}

export function registerCharges(app: FastifyInstance, world: World): void {
  app.get('/v1/charges/:id', async (request) => world.expand(findCharge(world, idOf(request)), retrieveParamsOf(request)));

  app.get('/v1/charges', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, payment_intent: true, customer: true, transfer_group: true });
    const intent = optionalString(params, 'payment_intent');
    const customer = optionalString(params, 'customer');
    const created = createdFilter(params);
    const rows = world.state.charges.newestFirst().filter((c) => (!intent || c.payment_intent === intent) && (!customer || c.customer === customer) && created(c.created));
    return world.expand(paginate(rows, params, '/v1/charges'), params);
  });
}
