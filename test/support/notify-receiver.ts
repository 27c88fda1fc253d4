import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  readonly body: string;
  readonly signature: string | undefined;
  readonly receivedAt: number;
}

/** A shop backend on loopback: records every notification and answers what `answer` says (a status, or 'hang'). */
export interface NotifyReceiver {
  readonly url: string;
  readonly received: ReceivedNotification[];
  answer: (request: ReceivedNotification, index: number) => number | 'hang';
  /** Waits until `count` notifications arrived (a deadline, not a sleep). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedNotification[]>;
  close(): Promise<void>;
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const received: ReceivedNotification[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signature = request.headers['settled-signature'];
      const entry = { body: Buffer.concat(chunks).toString('utf8'), signature: typeof signature === 'string' ? signature : undefined, receivedAt: Date.now() };
      received.push(entry);
      const outcome = receiver.answer(entry, received.length - 1);
      if (outcome === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(outcome, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: NotifyReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/settled/notify`,
    received,
    answer: () => 200,
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} notification(s), got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
