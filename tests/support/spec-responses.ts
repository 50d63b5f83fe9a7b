import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { toJsonSchema } from '../../emulator/core/schema.js';
import { loadSpec } from '../../emulator/core/spec.js';

/**
 * Checks emulator responses against the response schemas of Klaviyo's official spec, independently of
 * the emulator's own request checks: for each operation and status, the documented `2xx` schema (or
 * `4XX`/`5XX` error schema) must accept the body, and bodiless statuses must have no body.
 */
export class SpecResponseValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private readonly spec = loadSpec();

  constructor() {
    addFormats(this.ajv);
    const schemas: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries<object>(this.spec.document.components.schemas)) {
      schemas[name] = toJsonSchema(schema);
    }
    this.ajv.addSchema({ components: { schemas } }, 'spec');
  }

  private responseSchema(operationId: string, status: number): object | null | undefined {
    const op = this.spec.byId.get(operationId);
    if (!op) return undefined;
    const responses = this.spec.document.paths[op.path][op.method.toLowerCase()].responses;
    let response = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
    if (!response) return undefined;
    if (response.$ref) {
      const name = String(response.$ref).split('/').pop() as string;
      response = this.spec.document.components.responses[name];
    }
    const content = response.content as Record<string, { schema: object }> | undefined;
    return content ? (Object.values(content)[0]?.schema ?? null) : null;
  }

  private validator(operationId: string, status: number): ValidateFunction | null | undefined {
    const key = `${operationId}:${status}`;
    if (!this.compiled.has(key)) {
      const schema = this.responseSchema(operationId, status);
      if (schema === undefined) return undefined;
      const json = schema === null ? null : rewriteRefs(toJsonSchema(schema));
      this.compiled.set(key, json === null ? null : this.ajv.compile(json as object));
    }
    return this.compiled.get(key);
  }

  /** Returns a list of problems (empty when the response conforms). */
  check(operationId: string, status: number, body: unknown): string[] {
    if (operationId === 'unknown') return [];
    const validate = this.validator(operationId, status);
    if (validate === undefined) return [`${operationId}: status ${status} is not documented in the spec`];
    if (validate === null) {
      if (body === undefined || isOnsiteProfileAnswer(operationId, status, body)) return [];
      return [`${operationId}: status ${status} must have no body`];
    }
    if (validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${operationId} ${status}: ${e.instancePath} ${e.message}`);
  }
}

/**
 * The one documented-bodiless answer that carries a body: klaviyo.js's POST /client/profiles gets
 * `{"meta":{"exchange_id","should_clear_cookie"}}` with its 202 (docs/klaviyo-notes.md#exchange-ids; see the
 * emulator's client handlers). Exactly that shape is allowed, nothing else.
 */
function isOnsiteProfileAnswer(operationId: string, status: number, body: unknown): boolean {
  if (operationId !== 'create_client_profile' || status !== 202) return false;
  const { meta, ...rest } = body as { meta?: Record<string, unknown> };
  if (Object.keys(rest).length > 0 || !meta) return false;
  const { exchange_id: exchangeId, should_clear_cookie: clear, ...others } = meta;
  return typeof exchangeId === 'string' && typeof clear === 'boolean' && Object.keys(others).length === 0;
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `spec${v}` : rewriteRefs(v);
    }
    return out;
  }
  return node;
}
