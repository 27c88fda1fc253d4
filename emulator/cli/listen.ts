import type { DeliveryAttempt, DeliveryNotice } from '../delivery.js';
import type { ApiClient } from './api-client.js';
import { ApiError, errorMessage } from './api-client.js';

export interface ListenOptions {
  forwardTo: string;
  events: string[];
  write: (line: string) => void;
}

export interface Listening {
  endpointId: string;
  secret: string;
  /** Stops printing and removes the listen endpoint from the emulator. */
  stop(): Promise<void>;
}

/** Stripe CLI's timestamp: local time, to the second. */
function timestamp(): string {
  const now = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

/** The lines the Stripe CLI prints, plus what it never says: which attempt this is and when the next one is due. */
export function describeNotice(notice: DeliveryNotice): string | null {
  if (notice.kind === 'sending') {
    if (notice.copy !== 1 && notice.attempt === 1) return `${timestamp()}   --> ${notice.event_type} [${notice.event_id}] (duplicate ${notice.copy})`;
    return `${timestamp()}   --> ${notice.event_type} [${notice.event_id}]${notice.attempt > 1 ? ` (retry ${notice.attempt - 1})` : ''}`;
  }
  return describeAttempt(notice.attempt);
}

function describeAttempt(attempt: DeliveryAttempt): string {
  const status = attempt.status === null ? 'ERR' : String(attempt.status);
  const line = `${timestamp()}  <--  [${status}] POST ${attempt.url} [${attempt.event_id}]`;
  if (attempt.ok) return line;
  const why = attempt.failure === 'status' ? '' : ` ${attempt.error ?? ''}`;
  return `${line}${why}${attempt.next_retry_at ? ` (will retry at ${attempt.next_retry_at})` : ' (no retries left)'}`;
}

/** Subscribes a forwarding endpoint on the emulator and prints its delivery attempts as they happen. */
export async function listen(client: ApiClient, options: ListenOptions): Promise<Listening> {
  const created = await client.control('post', '/_emulator/listeners', { forward_to: options.forwardTo, events: options.events });
  if (created.status >= 400) throw new ApiError(created.status, errorMessage(created));
  const endpointId = String(created.body['id']);
  const secret = String(created.body['secret']);
  const abort = new AbortController();
  const response = await client.stream(`/_emulator/deliveries/stream?endpoint_id=${encodeURIComponent(endpointId)}`, abort.signal);
  if (!response.ok || !response.body) throw new ApiError(response.status, `the emulator's delivery stream answered ${response.status}`);
  const reading = printStream(response.body, options.write).catch((error: unknown) => {
    if (!abort.signal.aborted) options.write(`The emulator closed the delivery stream (${error instanceof Error ? error.message : String(error)}).`);
  });
  return {
    endpointId,
    secret,
    stop: async () => {
      abort.abort();
      await reading;
      await client.control('delete', `/_emulator/listeners/${endpointId}`).catch(() => undefined);
    },
  };
}

async function printStream(body: ReadableStream<Uint8Array>, write: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (data !== '') {
        const line = describeNotice(JSON.parse(data) as DeliveryNotice);
        if (line) write(line);
      }
      end = buffer.indexOf('\n\n');
    }
  }
}
