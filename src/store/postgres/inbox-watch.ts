import pg from 'pg';
import type { InboxWatch } from '../types.js';

/** How the listening connection shows in pg_stat_activity. */
export const WATCH_APPLICATION_NAME = 'settled inbox watch';
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * LISTENs on `channel` for notifications whose payload is `schema`, on a connection of its own (made with the
 * pool's settings, outside the pool, so that it takes none of the pool's connections). A broken connection is
 * reported and made again after a backoff; once listening again `onSignal` is called, since what was announced
 * meanwhile was not heard.
 */
export function watchChannel(pool: pg.Pool, channel: string, schema: string, onSignal: () => void, onError: (error: Error) => void): InboxWatch {
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const lost = (client: pg.Client, error?: unknown): void => {
    if (current !== client) return;
    current = undefined;
    client.end().catch(() => undefined);
    if (closed) return;
    onError(error instanceof Error ? error : new Error('the connection listening for new inbox events ended'));
    failures += 1;
    retry = setTimeout(listen, Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1)));
    retry.unref();
  };

  const listen = (): void => {
    if (closed) return;
    const client = new pg.Client({ ...pool.options, application_name: WATCH_APPLICATION_NAME });
    current = client;
    client.on('error', (error) => lost(client, error));
    client.on('end', () => lost(client));
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload === schema) onSignal();
    });
    client
      .connect()
      .then(() => client.query(`listen ${channel}`))
      .then(() => {
        if (current !== client) return;
        failures = 0;
        onSignal();
      })
      .catch((error: unknown) => lost(client, error));
  };

  listen();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
