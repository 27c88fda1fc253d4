import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isQuietRequest } from '../../src/http/request-logging.js';
import { createLogger, resolveLogFormat } from '../../src/logging.js';

describe('LOG_FORMAT', () => {
  it('is auto unless set: readable lines on a terminal, JSON lines anywhere else', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('refuses anything but auto, json or pretty, naming the setting', () => {
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT: must be auto, json or pretty/);
  });
});

describe('request lines', () => {
  it('are quiet (debug) for assets, health checks and metrics, not for pages or the API', () => {
    for (const url of ['/assets/settled.css', '/favicon.ico', '/healthz', '/readyz', '/metrics', '/readyz?x=1']) expect(isQuietRequest(url), url).toBe(true);
    for (const url of ['/', '/admin', '/admin/orders/ord_1', '/api/checkout', '/success?session_id=cs_1', '/assetsx']) expect(isQuietRequest(url), url).toBe(false);
  });
});

describe('createLogger', () => {
  it('still keeps secrets out of a line', () => {
    let written = '';
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => ((written += chunk.toString()), done()) });
    createLogger({ level: 'info', destination }).info({ config: { adminToken: 'tok_visible_if_broken' } }, 'hello');
    expect(written).toContain('hello');
    expect(written).not.toContain('tok_visible_if_broken');
  });
});
