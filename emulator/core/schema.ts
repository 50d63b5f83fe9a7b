import { fromSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { invalid } from './errors.js';
import type { Spec } from './spec.js';

/**
 * Validates request bodies against the spec's request schemas, so the emulator rejects exactly what
 * the spec rejects, with a JSON pointer to the offending field. `strict: false` lets Ajv skip the
 * spec's `example` and `x-*` annotations.
 *
 * Closed objects: the spec never states `additionalProperties`, but Klaviyo refuses a field an
 * operation does not define, with 400 `invalid`, "'last_name' is not a valid field for the resource
 * 'profile'." and a pointer such as `/data/attributes/profiles/data/0/attributes/last_name` (observed
 * on a subscription job; likewise "'fromEmail' is not a valid field for the resource 'content'." for a
 * nested object of a campaign message). So in request bodies every object whose schema names its
 * fields is closed: `data`, `attributes`, `relationships`, relationship objects, and nested objects
 * such as `location` or `subscriptions`. Objects the spec leaves free-form (no `properties` list, e.g.
 * a profile's or an event's `properties`, a catalog item's `custom_metadata`) stay open. The body's
 * top level is left open: Klaviyo reads only `data` from it, and no observation shows it refusing more.
 */
export class SchemaValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(spec: Spec) {
    this.ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
    addFormats(this.ajv);
    // OpenAPI 3.0 schemas are not JSON Schema (`nullable`, `$ref` siblings); convert each one first.
    const roots = new Set(
      spec.operations.flatMap((op) => (op.requestSchemaRef ? [op.requestSchemaRef.split('/').pop()] : [])),
    );
    const schemas: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries<object>(spec.document.components.schemas)) {
      schemas[name] = closeObjects(toJsonSchema(schema), !roots.has(name));
    }
    this.ajv.addSchema({ components: { schemas } }, 'spec');
  }

  validator(ref: string): ValidateFunction {
    let fn = this.compiled.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `spec${ref}` });
      this.compiled.set(ref, fn);
    }
    return fn;
  }

  /** Throws a 400 `invalid` naming the first field that breaks the schema. */
  assertValid(ref: string, body: unknown): void {
    const validate = this.validator(ref);
    if (validate(body)) return;
    const error = mostSpecific(validate.errors ?? []);
    throw invalid(describe(error, body), { pointer: pointerOf(error) });
  }
}

/**
 * Sets `additionalProperties: false` on every object schema that lists its `properties` and says
 * nothing about other members (see SchemaValidator). `closeTop` is false for a request body's root.
 */
function closeObjects(node: unknown, closeTop = true): unknown {
  if (Array.isArray(node)) return node.map((item) => closeObjects(item));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === 'properties' && value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([name, child]) => [name, closeObjects(child)]))
        : closeObjects(value);
  }
  const listsFields = out.properties && typeof out.properties === 'object';
  if (closeTop && listsFields && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/**
 * The error to report. A `oneOf` union (read as anyOf) reports each branch's first error; the one
 * deepest in the body is the field actually at fault, the others are the branches it did not mean.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    if (!best || depth(pointerOf(error)) > depth(pointerOf(best))) best = error;
  }
  return best ?? errors[0];
}

const depth = (pointer: string) => pointer.split('/').length;

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function pointerOf(error: ErrorObject | undefined): string {
  if (!error) return '/data';
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child =
    error.keyword === 'required'
      ? `/${escapePointer(params.missingProperty ?? '')}`
      : error.keyword === 'additionalProperties'
        ? `/${escapePointer(params.additionalProperty ?? '')}`
        : '';
  return `${error.instancePath}${child}` || '/';
}

/** The value at a JSON pointer of the body, or undefined. */
function at(body: unknown, pointer: string): unknown {
  let node: any = body;
  for (const raw of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/**
 * The resource Klaviyo names for an unknown field: the JSON:API type of the resource object whose
 * `attributes` (or which itself) holds it, else the name of the object that holds it ('content',
 * 'location').
 */
function resourceOf(objectPath: string, body: unknown): string {
  const segments = objectPath.split('/');
  const last = segments.at(-1) ?? '';
  const own = at(body, objectPath) as { type?: unknown } | undefined;
  if (last !== 'attributes' && typeof own?.type === 'string' && 'attributes' in (own as object))
    return own.type;
  if (last === 'attributes') {
    const parent = at(body, segments.slice(0, -1).join('/')) as { type?: unknown } | undefined;
    if (typeof parent?.type === 'string') return parent.type;
  }
  const named = [...segments].reverse().find((s) => s !== '' && !/^\d+$/.test(s));
  return named ?? 'data';
}

function describe(error: ErrorObject | undefined, body: unknown): string {
  if (!error) return 'The request body is invalid.';
  const where = pointerOf(error);
  switch (error.keyword) {
    case 'required':
      return `'${where}' is a required field.`;
    case 'enum':
      return `'${where}' must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}.`;
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      return `'${field}' is not a valid field for the resource '${resourceOf(error.instancePath, body)}'.`;
    }
    default:
      return `'${where}' ${error.message ?? 'is invalid'}.`;
  }
}

/**
 * OpenAPI 3.0 schema -> JSON Schema, without the draft-04 `$schema` marker Ajv (draft-07) rejects.
 * The spec's `oneOf` unions overlap (EmailSendOptions and SMSSendOptions are identical; an integer is
 * also a number), so a strict oneOf would reject valid values: they are read as anyOf.
 * A `$ref` marked `nullable` (e.g. an upsert's `location`) accepts null: the converter drops a
 * `nullable` beside a `$ref`, and "null clears a field" on Klaviyo's profile writes.
 */
export function toJsonSchema(schema: object): object {
  const { $schema: _marker, ...rest } = fromSchema(nullableRefs(schema) as never, {
    strictMode: false,
  }) as Record<string, unknown>;
  return anyOfUnions(rest) as object;
}

function nullableRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableRefs);
  if (!node || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (typeof record.$ref === 'string' && record.nullable === true) {
    return { anyOf: [{ $ref: record.$ref }, { enum: [null] }] };
  }
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, nullableRefs(value)]));
}

function anyOfUnions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(anyOfUnions);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key === 'oneOf' ? 'anyOf' : key, anyOfUnions(value)]),
  );
}
