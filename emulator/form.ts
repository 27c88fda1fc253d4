import qs from 'qs';
import { invalidParam, missingParam, unknownParam } from './errors.js';

// Stripe's form encoding (`a[b][0][c]=x`) decoded into nested records; limits keep a hostile body cheap.
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type Params = Record<string, FormValue>;

const QS_OPTIONS = { depth: 8, arrayLimit: 100, parameterLimit: 2000, allowPrototypes: false } as const;

export function parseForm(text: string): Params {
  return qs.parse(text, QS_OPTIONS) as Params;
}

/** An allowed-parameter shape: `true` for a scalar, `'any'` for free-form (metadata), nested shapes, or `[shape]` for lists. */
export type Shape = true | 'any' | { readonly [key: string]: Shape } | readonly [Shape];

/** Rejects the first parameter the shape does not know, with Stripe's message. `expand` is always allowed. */
export function rejectUnknown(params: Params, shape: { readonly [key: string]: Shape }): void {
  const allowed: { readonly [key: string]: Shape } = { expand: [true], ...shape };
  walk(params, allowed, '');
}

function walk(value: FormValue, shape: Shape, path: string): void {
  if (shape === true || shape === 'any') return;
  if (isListShape(shape)) {
    const items = Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value) : [];
    items.forEach((item, index) => walk(item, shape[0], `${path}[${index}]`));
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const name = path ? `${path}[${key}]` : key;
    const childShape = shape[key];
    if (childShape === undefined) throw unknownParam(name);
    walk(child, childShape, name);
  }
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(name, `Invalid string: ${name}`);
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw missingParam(name);
  return value;
}

export function optionalInteger(params: Params, name: string, label = name): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalidParam(label, `Invalid integer: ${String(value)}`);
  return Number(value);
}

export function requiredInteger(params: Params, name: string, label = name): number {
  const value = optionalInteger(params, name, label);
  if (value === undefined) throw missingParam(label);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParam(name, `Invalid boolean: ${String(value)}`);
}

export function optionalObject(params: Params, name: string): Params | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam(name, `Invalid object`);
  return value;
}

export function optionalList(params: Params, name: string): FormValue[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return Object.values(value);
  throw invalidParam(name, `Invalid array`);
}

export function stringList(params: Params, name: string): string[] | undefined {
  const list = optionalList(params, name);
  if (list === undefined) return undefined;
  return list.map((item) => {
    if (typeof item !== 'string') throw invalidParam(name, `Invalid array`);
    return item;
  });
}

/** Metadata: string values only; an empty string unsets a key, as Stripe does on update. */
export function mergeMetadata(current: Record<string, string>, params: Params, name = 'metadata'): Record<string, string> {
  const value = params[name];
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam(name, 'Invalid object');
  const next = { ...current };
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalidParam(`${name}[${key}]`, 'Invalid string');
    if (key.length > 40) throw invalidParam(`${name}[${key}]`, `Invalid metadata: keys can be up to 40 characters long, but you passed in a key with ${key.length} characters.`);
    if (item.length > 500) throw invalidParam(`${name}[${key}]`, `Invalid metadata: values can be up to 500 characters long, but you passed in a value with ${item.length} characters.`);
    if (item === '') delete next[key];
    else next[key] = item;
  }
  if (Object.keys(next).length > 50) throw invalidParam(name, `Invalid metadata: metadata can have up to 50 keys, but you passed in ${Object.keys(next).length} keys.`);
  return next;
}

function isListShape(shape: Shape): shape is readonly [Shape] {
  return Array.isArray(shape);
}
