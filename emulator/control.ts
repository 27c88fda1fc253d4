import type { FastifyInstance } from 'fastify';
import type { ChaosOptions } from './chaos.js';
import { invalidRequest } from './errors.js';
import { FAULT_STATUSES, type Faults, type FaultStatus } from './faults.js';
import { idOf } from './http.js';
import { findDispute, resolveDispute } from './resources/disputes.js';
import { AUTOMATIC, type World } from './world.js';

// Emulator-only controls under /_emulator/ (no auth, JSON in and out). Forms work too: numbers may arrive as strings.

function record(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function numberField(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === '') return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(parsed)) throw invalidRequest(`${name} must be a number.`, name);
  return parsed;
}

export const DEFAULT_SETTLE_TIMEOUT_MS = 10_000;

export function registerControl(app: FastifyInstance, world: World, faults: Faults, reset: () => void): void {
  app.post('/_emulator/reset', async () => {
    reset();
    return { ok: true };
  });

  app.get('/_emulator/clock', async () => ({ now: world.now(), now_ms: world.clock.nowMs() }));

  app.post('/_emulator/clock/advance', async (request) => {
    const seconds = numberField(record(request.body), 'seconds');
    if (seconds === undefined || seconds < 0) throw invalidRequest('seconds must be a number ≥ 0.', 'seconds');
    world.clock.advance(seconds);
    return { now: world.now(), now_ms: world.clock.nowMs() };
  });

  app.post('/_emulator/disputes/:id/resolve', async (request) => {
    const outcome = record(request.body)['outcome'];
    if (outcome !== 'won' && outcome !== 'lost') throw invalidRequest("outcome must be 'won' or 'lost'.", 'outcome');
    return resolveDispute(world, findDispute(world, idOf(request)), outcome, AUTOMATIC);
  });

  app.get('/_emulator/deliveries', async () => ({
    object: 'list',
    data: world.delivery.attempts(),
    pending: world.delivery.pending(),
    held: world.delivery.heldCount(),
    paused: world.delivery.isPaused(),
  }));

  const settle = async (timeoutMs: number): Promise<{ settled: boolean; pending: number; held: number }> => {
    const settled = await world.delivery.waitIdle(timeoutMs);
    return { settled, pending: world.delivery.pending(), held: world.delivery.heldCount() };
  };
  app.post('/_emulator/settle', async (request) => settle(numberField(record(request.body), 'timeout_ms') ?? DEFAULT_SETTLE_TIMEOUT_MS));
  app.get('/_emulator/deliveries/wait', async (request) => settle(numberField(record(request.query), 'timeout_ms') ?? DEFAULT_SETTLE_TIMEOUT_MS));

  app.get('/_emulator/chaos', async () => world.delivery.getChaos());
  app.post('/_emulator/chaos', async (request) => {
    const body = record(request.body);
    const chaos: ChaosOptions = {};
    const duplicates = numberField(body, 'duplicates');
    const shuffleWindowMs = numberField(body, 'shuffleWindowMs');
    const delayMs = numberField(body, 'delayMs');
    const failRate = numberField(body, 'failRate');
    const seed = numberField(body, 'seed');
    if (duplicates !== undefined) chaos.duplicates = duplicates;
    if (shuffleWindowMs !== undefined) chaos.shuffleWindowMs = shuffleWindowMs;
    if (delayMs !== undefined) chaos.delayMs = delayMs;
    if (failRate !== undefined) chaos.failRate = failRate;
    if (seed !== undefined) chaos.seed = seed;
    return world.delivery.setChaos(chaos);
  });

  app.post('/_emulator/faults', async (request) => {
    const body = record(request.body);
    const status = numberField(body, 'status');
    if (!FAULT_STATUSES.includes(status as FaultStatus)) throw invalidRequest(`status must be one of ${FAULT_STATUSES.join(', ')}.`, 'status');
    const path = body['path'];
    faults.add(status as FaultStatus, numberField(body, 'count') ?? 1, typeof path === 'string' && path !== '' ? path : '/v1/');
    return { pending: faults.pending() };
  });
  app.delete('/_emulator/faults', async () => {
    faults.clear();
    return { pending: 0 };
  });

  app.post('/_emulator/webhooks/pause', async () => {
    world.delivery.pause();
    return { paused: true };
  });
  app.post('/_emulator/webhooks/resume', async () => {
    world.delivery.resume();
    return { paused: false };
  });
}
