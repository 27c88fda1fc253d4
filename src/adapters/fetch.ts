import { bodyLimitFor, bodyTooLarge, createSettledHandler, type HandlerOptions, type SettledParts } from './handlers.js';

export interface SettledFetchOptions extends HandlerOptions {
  /** Where settled is mounted, e.g. '/shop' when the webhook is at /shop/api/webhooks/stripe. */
  readonly basePath?: string;
  /** The client's address, if the platform knows it; needed only with `webhookSources`. */
  readonly sourceAddress?: (request: Request) => string | null;
}

function notFound(): Response {
  return Response.json({ error: { code: 'not_found', message: 'There is nothing at this address.' } }, { status: 404 });
}

/** A web-standard handler: Next.js route handlers, Hono, Bun.serve, Deno.serve. */
export function settledFetch(settled: SettledParts, options: SettledFetchOptions = {}): (request: Request) => Promise<Response> {
  const handle = createSettledHandler(settled, options);
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith(basePath)) return notFound();
    const path = pathname.slice(basePath.length) || '/';
    const limit = bodyLimitFor(path);
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > limit) return toResponse(bodyTooLarge());
    const rawBody = request.method === 'GET' || request.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await request.arrayBuffer());
    if (rawBody.length > limit) return toResponse(bodyTooLarge());
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const answer = await handle({ method: request.method, path, headers, rawBody, sourceAddress: options.sourceAddress?.(request) ?? null });
    return answer ? toResponse(answer) : notFound();
  };
}

function toResponse(answer: { status: number; headers: { readonly [name: string]: string }; body: string }): Response {
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
}
