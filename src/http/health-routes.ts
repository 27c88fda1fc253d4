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

  app.get('/readyz', async (_request, reply) => {
    let database: Check = 'ok';
    try {
      await options.store.inbox.stats();
    } catch {
      database = 'failing';
    }
    const worker: Check = !options.workerEnabled ? 'disabled' : options.workerRunning() ? 'ok' : 'stopped';
    const lifecycle: Check = options.shuttingDown() ? 'shutting_down' : 'ok';
    const ready = database === 'ok' && worker !== 'stopped' && lifecycle === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: { database, worker, lifecycle } });
  });
}
