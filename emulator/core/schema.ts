import { fromSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { invalid } from './errors.js';
import type { Spec } from './spec.js';

/**
 * Validates request bodies against the spec's request schemas, so the emulator rejects exactly what
 * the spec rejects, with a JSON pointer to the offending field. `strict: false` lets Ajv skip the
 * spec's `example` and `x-*` annotations.
 */
export class SchemaValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(spec: Spec) {
    this.ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
    addFormats(this.ajv);
    // OpenAPI 3.0 schemas are not JSON Schema (`nullable`, `$ref` siblings); convert each one first.
    const schemas: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries<object>(spec.document.components.schemas)) {
      schemas[name] = toJsonSchema(schema);
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
    const error = validate.errors?.[0];
    throw invalid(describe(error), { pointer: pointerOf(error) });
  }
}

function pointerOf(error: ErrorObject | undefined): string {
  if (!error) return '/data';
  const missing =
    error.keyword === 'required' ? `/${(error.params as { missingProperty: string }).missingProperty}` : '';
  return `${error.instancePath}${missing}` || '/';
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'The request body is invalid.';
  const where = pointerOf(error);
  switch (error.keyword) {
    case 'required':
      return `'${where}' is a required field.`;
    case 'enum':
      return `'${where}' must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}.`;
    case 'additionalProperties':
      return `'${where}/${(error.params as { additionalProperty: string }).additionalProperty}' is not a valid field.`;
    default:
      return `'${where}' ${error.message ?? 'is invalid'}.`;
  }
}

/**
 * OpenAPI 3.0 schema -> JSON Schema, without the draft-04 `$schema` marker Ajv (draft-07) rejects.
 * The spec's `oneOf` unions overlap (EmailSendOptions and SMSSendOptions are identical; an integer is
 * also a number), so a strict oneOf would reject valid values: they are read as anyOf.
 */
export function toJsonSchema(schema: object): object {
  const { $schema: _marker, ...rest } = fromSchema(schema as never, { strictMode: false }) as Record<
    string,
    unknown
  >;
  return anyOfUnions(rest) as object;
}

function anyOfUnions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(anyOfUnions);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key === 'oneOf' ? 'anyOf' : key, anyOfUnions(value)]),
  );
}
