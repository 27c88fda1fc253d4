import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminCookie, readCookie } from './session.js';

const FLASH_COOKIE = 'settled_notice';
const CODE = /^[a-z_]{1,40}$/;

/**
 * A notice for the page an action redirects to ("Refund sent"), carried in a cookie that the next dashboard page
 * reads once and clears: a reload, a bookmark or the back button never shows it again, as `?notice=` in the URL did.
 * Only a code travels; the text is the dashboard's own, so a forged cookie can show nothing else.
 */
export function redirectWithNotice(request: FastifyRequest, reply: FastifyReply, target: string, code: string): FastifyReply {
  void reply.header('set-cookie', adminCookie(request, FLASH_COOKIE, code, 60));
  return reply.redirect(target, 303);
}

/** The page's notice for the code an action left, if it is one of `notices`; the code is gone for the next page. */
export function takeNotice<N>(request: FastifyRequest, reply: FastifyReply, notices: Readonly<Record<string, N>>): N | undefined {
  const code = readCookie(request.headers.cookie, FLASH_COOKIE);
  if (code === undefined) return undefined;
  void reply.header('set-cookie', adminCookie(request, FLASH_COOKIE, '', 0));
  // Own keys only: a forged "constructor" is no notice.
  return CODE.test(code) && Object.hasOwn(notices, code) ? notices[code] : undefined;
}
