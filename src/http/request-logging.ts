import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { scrubUrl } from '../logging.js';

// Requests nobody reads a line about at info: the pages' assets, probes and scrapes.
const QUIET = /^\/(assets\/|favicon\.ico$|healthz$|readyz$|metrics$)/;

/** Whether a request's line is written at debug rather than info. */
export function isQuietRequest(url: string): boolean {
  return QUIET.test(url.split('?')[0] ?? url);
}

/**
 * One line per request, when it completes ("GET /admin 200 4ms"), instead of Fastify's two; static assets, health
 * checks and metrics scrapes at debug, so that a few page views do not bury the lines a person is looking for.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = `${request.method} ${scrubUrl(request.url)} ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms`;
    const fields = { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, line);
    else if (isQuietRequest(request.url)) reply.log.debug(fields, line);
    else reply.log.info(fields, line);
  }
}
