import { stringify } from 'qs';

/** What the emulator answered to a command's request: the body, and Stripe's error when it is one. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const DEFAULT_API_BASE = 'http://127.0.0.1:12111';
const COMMAND_KEY = 'sk_test_settled_emulator_cli';

/** A small client for the CLI's commands: Stripe's form encoding for /v1/, JSON for the emulator's controls. */
export class ApiClient {
  readonly base: string;

  constructor(base: string, private readonly apiKey = COMMAND_KEY, private readonly fetcher: typeof fetch = fetch) {
    this.base = base.replace(/\/+$/, '');
  }

  async stripe(method: 'get' | 'post', path: string, params: Record<string, unknown> = {}): Promise<ApiAnswer> {
    const encoded = stringify(params, { arrayFormat: 'indices' });
    const url = method === 'get' && encoded !== '' ? `${this.base}${path}?${encoded}` : `${this.base}${path}`;
    const response = await this.send(url, {
      method: method.toUpperCase(),
      headers: { authorization: `Bearer ${this.apiKey}`, ...(method === 'post' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'post' ? { body: encoded } : {}),
    });
    return answer(response);
  }

  async control(method: 'get' | 'post' | 'delete', path: string, body?: unknown): Promise<ApiAnswer> {
    const response = await this.send(`${this.base}${path}`, {
      method: method.toUpperCase(),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return answer(response);
  }

  /** A form post as a browser sends it (the hosted checkout page), without following the redirect. */
  async form(path: string, fields: Record<string, string>): Promise<number> {
    const response = await this.send(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    await response.arrayBuffer();
    return response.status;
  }

  async stream(path: string, signal: AbortSignal): Promise<Response> {
    return this.send(`${this.base}${path}`, { signal });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetcher(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(0, `Cannot reach the emulator at ${this.base} (${error instanceof Error ? error.message : String(error)}). Start it with \`settled emulator\`, or pass --api-base.`);
    }
  }
}

async function answer(response: Response): Promise<ApiAnswer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

/** Stripe's error message from an answer, or a fallback naming the status. */
export function errorMessage(answer: ApiAnswer): string {
  const error = answer.body['error'];
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return `the emulator answered ${answer.status}`;
}
