import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import Stripe from 'stripe';
import { announceReady, requiredEnv } from './ready.js';

// The ceiling's route plus what every correct webhook endpoint must do before anything else: check the Stripe
// signature over the raw bytes (the SDK's constructEvent, which also parses the JSON). No storage: the gap between
// this target and settled is the price of committing each event durably before answering.
const secret = requiredEnv('BENCH_SECRET');
const stripe = new Stripe('sk_test_signature_only');
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/webhook', async (request, reply) => {
  const header = request.headers['stripe-signature'];
  try {
    const event = stripe.webhooks.constructEvent((request.body as Buffer).toString('utf8'), typeof header === 'string' ? header : '', secret);
    return { received: typeof event.id === 'string' };
  } catch {
    return reply.status(400).send({ received: false });
  }
});
await app.listen({ port: 0, host: '127.0.0.1' });
announceReady((app.server.address() as AddressInfo).port, () => app.close());
