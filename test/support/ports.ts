import { createServer, type AddressInfo } from 'node:net';

/** A port free on 127.0.0.1 a moment ago, for a process that must know its address before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
