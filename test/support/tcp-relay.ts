/**
 * A TCP relay to put between a client and a server (settled's Stripe SDK and the emulator) and then break on
 * purpose, as a network or a provider breaks:
 *
 *   const relay = await startTcpRelay({ host: '127.0.0.1', port: emulatorPort });
 *   // point the client at relay.url
 *   await relay.setMode('silent');   // connections are accepted and never answered
 *   await relay.setMode('refuse');   // nothing listens: ECONNREFUSED
 *   await relay.setMode('reset');    // connections are accepted and reset at once: ECONNRESET
 *   await relay.setMode('drop-answers'); // requests reach the server, its answers never come back
 *   await relay.setMode('forward');  // bytes flow both ways again
 *
 * Every switch cuts the connections open at that moment (a client's pooled keep-alive ones too), so the next
 * request meets the new mode rather than an old socket that still forwards.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export type RelayMode = 'forward' | 'silent' | 'refuse' | 'reset' | 'drop-answers';

export interface TcpRelay {
  /** http://127.0.0.1:<port>: give it to the client as the server's address. */
  readonly url: string;
  readonly port: number;
  readonly mode: RelayMode;
  /** Connections accepted since the relay started (not counting those refused while nothing listened). */
  readonly accepted: number;
  /** Resolves when the next connection is accepted (in any mode but refuse). */
  nextConnection(): Promise<void>;
  setMode(mode: RelayMode): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  let mode: RelayMode = 'forward';
  let accepted = 0;
  const open = new Set<Socket>();
  const waiting = new Set<() => void>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // A cut connection reports ECONNRESET or EPIPE on both sides; that is the point, not a failure of the test.
    socket.on('error', () => socket.destroy());
  };

  const server = createServer((client) => {
    accepted++;
    track(client);
    for (const wake of waiting) wake();
    waiting.clear();
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    // Silent: held open, never read, never answered, until the mode changes or the relay closes.
    if (mode === 'silent') return;
    const upstream = createConnection(target);
    track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    // Dropping answers is the hard case for a client: what it asked for happened, and it cannot know.
    if (mode === 'drop-answers') upstream.resume();
    else upstream.pipe(client);
  });

  await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no TCP address');
  const port = address.port;

  function listen(onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    return new Promise((resolve) => server.close(() => resolve()));
  }

  function cutAll(): void {
    for (const socket of open) socket.destroy();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    nextConnection() {
      return new Promise((resolve) => waiting.add(resolve));
    },
    async setMode(next) {
      const wasListening = server.listening;
      mode = next;
      cutAll();
      if (next === 'refuse' && wasListening) await stopListening();
      // The same port again: the client keeps the address it was given.
      if (next !== 'refuse' && !wasListening) await listen(port);
    },
    async close() {
      cutAll();
      if (server.listening) await stopListening();
    },
  };
}
