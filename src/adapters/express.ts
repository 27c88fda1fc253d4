import express, { type Application, type Express, type Request, type Response } from 'express';
import type { IncomingMessage } from 'node:http';
import qs from 'qs';
import { bodyLimitFor, bodyTooLarge, createSettledHandler, WEBHOOK_PATH, type AdapterResponse, type HandlerOptions, type SettledParts } from './handlers.js';

const rawBodies = new WeakMap<IncomingMessage, Buffer>();

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(res: Response, answer: AdapterResponse): void {
  res.status(answer.status).set(answer.headers).send(answer.body);
}

/**
 * The raw bytes of a request a parent's body parser got to first: re-encoded, which is fine for the buyer API
 * (nothing is signed) and never used for the webhook.
 */
function reencode(request: Request): Buffer | undefined {
  const body: unknown = request.body;
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  if (request.is('application/x-www-form-urlencoded')) return Buffer.from(qs.stringify(body));
  return Buffer.from(JSON.stringify(body));
}

/**
 * When mounted on an application, settled puts a small reader at the front of that application's middleware,
 * so the webhook's exact bytes are kept before any express.json() installed earlier can consume the stream.
 * express.json() then sees a finished request and leaves it alone.
 */
function captureWebhookBodies(parent: Application, settledApp: Express): void {
  const mountPath = typeof settledApp.mountpath === 'string' ? settledApp.mountpath.replace(/\/$/, '') : undefined;
  parent.use((req, res, next) => {
    const path = req.path;
    const isWebhook = req.method === 'POST' && (mountPath === undefined ? path.endsWith(WEBHOOK_PATH) : path === mountPath + WEBHOOK_PATH);
    if (!isWebhook) {
      next();
      return;
    }
    readBody(req, bodyLimitFor(WEBHOOK_PATH)).then(
      (raw) => {
        rawBodies.set(req, raw);
        next();
      },
      (error: unknown) => (error instanceof BodyTooLargeError ? send(res, bodyTooLarge()) : next(error)),
    );
  });
  const stack = (parent as unknown as { router?: { stack?: unknown[] } }).router?.stack;
  const reader = stack?.pop();
  if (stack && reader !== undefined) stack.unshift(reader);
}

/**
 * settled as an Express application to mount with `app.use(settledExpress(settled))` (or under a path).
 * It reads its own bodies; mounted on the application, it keeps the webhook's raw bytes even when the app
 * installed express.json() first.
 */
export function settledExpress(settled: SettledParts, options: HandlerOptions = {}): Express {
  const handle = createSettledHandler(settled, options);
  const app = express();
  app.disable('x-powered-by');
  app.on('mount', (parent: Application) => captureWebhookBodies(parent, app));
  app.use((req, res, next) => {
    void (async () => {
      const path = req.path;
      let rawBody = rawBodies.get(req);
      if (rawBody === undefined && !req.readableEnded) rawBody = await readBody(req, bodyLimitFor(path));
      if (rawBody === undefined && path === WEBHOOK_PATH && req.method === 'POST') {
        send(res, {
          status: 500,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({
            error: {
              code: 'raw_body_unavailable',
              message: 'A body parser read the webhook before settled could. Mount settledExpress() on the application with app.use(), or before any body parser.',
            },
          }),
        });
        return;
      }
      const answer = await handle({
        method: req.method,
        path,
        headers: req.headers as Record<string, string | undefined>,
        rawBody: rawBody ?? reencode(req) ?? Buffer.alloc(0),
        sourceAddress: req.ip ?? null,
      });
      if (answer) send(res, answer);
      else next();
    })().catch((error: unknown) => (error instanceof BodyTooLargeError ? send(res, bodyTooLarge()) : next(error)));
  });
  return app;
}
