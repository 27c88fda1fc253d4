import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { announceReady } from './ready.js';

// What HTTP and JSON parsing alone allow on this machine: no signature, no storage.
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/webhook', async (request) => {
  const event = request.body as { id?: unknown };
  return { received: typeof event.id === 'string' };
});
await app.listen({ port: 0, host: '127.0.0.1' });
announceReady((app.server.address() as AddressInfo).port, () => app.close());
