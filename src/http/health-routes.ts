import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/types.js';

export interface HealthOptions {
  readonly store: Store;
  /** Whether this process is meant to run the worker; only then does a stopped worker make it unready. */
  readonly workerEnabled: boolean;
  readonly workerRunning: () => boolean;
  readonly shuttingDown: () => boolean;
}

type Check = 'ok' | 'failing' | 'stopped' | 'disabled' | 'shutting_down';

/**
 * /healthz says the process answers (restart me if not); /readyz says it should get traffic now.
 * Both sit outside the rate limits so that a busy probe never looks like an outage.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  let wasReady = true;
  app.get('/readyz', async (request, reply) => {
    const store = await options.store.health.check();
    const database: Check = store.read === 'ok' ? 'ok' : 'failing';
    // A database that answers reads but cannot commit (its disk full, say) would acknowledge nothing: not ready.
    const writes: Check = store.write === 'ok' ? 'ok' : 'failing';
    const worker: Check = !options.workerEnabled ? 'disabled' : options.workerRunning() ? 'ok' : 'stopped';
    const lifecycle: Check = options.shuttingDown() ? 'shutting_down' : 'ok';
    const ready = database === 'ok' && writes === 'ok' && worker !== 'stopped' && lifecycle === 'ok';
    const checks = { database, writes, worker, lifecycle };
    // Once per change, not once per probe: a balancer asks every few seconds.
    if (ready !== wasReady) {
      if (ready) request.log.info({ checks }, 'ready again');
      else request.log.warn({ checks, readError: store.readError, writeError: store.writeError }, 'not ready');
      wasReady = ready;
    }
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
  });
}
