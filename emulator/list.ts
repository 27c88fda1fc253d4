import { invalidRequest } from './errors.js';
import { optionalInteger, optionalObject, optionalString, type Params } from './form.js';

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** Cursor pagination over rows already sorted newest first, as Stripe's list endpoints page. */
export function paginate<T extends { id: string }>(rows: T[], params: Params, url: string): ListObject<T> {
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'limit');
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  if (endingBefore) {
    const index = rows.findIndex((row) => row.id === endingBefore);
    if (index < 0) throw invalidRequest(`No such object: '${endingBefore}'`, 'ending_before', 'resource_missing');
    const start = Math.max(0, index - limit);
    return { object: 'list', data: rows.slice(start, index), has_more: start > 0, url };
  }
  let start = 0;
  if (startingAfter) {
    const index = rows.findIndex((row) => row.id === startingAfter);
    if (index < 0) throw invalidRequest(`No such object: '${startingAfter}'`, 'starting_after', 'resource_missing');
    start = index + 1;
  }
  const data = rows.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < rows.length, url };
}

/** `created[gt|gte|lt|lte]` or `created=<unix>` filter. */
export function createdFilter(params: Params): (created: number) => boolean {
  const exact = params['created'];
  if (typeof exact === 'string') {
    const value = optionalInteger(params, 'created');
    return (created) => created === value;
  }
  const range = optionalObject(params, 'created');
  if (!range) return () => true;
  const bound = (key: string): number | undefined => optionalInteger(range, key, `created[${key}]`);
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}

export const LIST_SHAPE = { limit: true, starting_after: true, ending_before: true, created: 'any' } as const;
