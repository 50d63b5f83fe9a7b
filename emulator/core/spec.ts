import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Everything the emulator enforces per operation is read here from Klaviyo's official OpenAPI spec
 * (revision 2026-07-15, vendored as emulator/spec/stable.json): paths, scopes, `x-klaviyo-ratelimit`,
 * `x-klaviyo-filters`, `page[size]` bounds and the enums of sort, include, fields and additional-fields.
 */
export const SPEC_PATH = fileURLToPath(new URL('../spec/stable.json', import.meta.url));

export interface Window {
  limit: number;
  windowMs: number;
}

export interface RateLimit {
  burst: Window;
  steady: Window;
  daily?: Window;
}

/** A stricter limit that applies when a query parameter is used (stated in the operation's description). */
export interface ConditionalRateLimit {
  param: string;
  value: string;
  limit: RateLimit;
}

export interface FilterField {
  single: string[];
  list: string[];
  valueType: 'string' | 'datetime' | 'number' | 'boolean' | 'array';
}

export interface ParamSpec {
  name: string;
  in: 'query' | 'header' | 'path';
  required: boolean;
  schema: Record<string, unknown>;
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  pattern: RegExp;
  pathParams: string[];
  client: boolean;
  scopes: string[];
  rateLimit: RateLimit;
  conditionalRateLimits: ConditionalRateLimit[];
  filters?: Record<string, FilterField>;
  params: Record<string, ParamSpec>;
  requestSchemaRef?: string;
  maxPayloadBytes: number;
  successStatuses: number[];
}

const PER: Record<string, number> = { s: 1_000, m: 60_000, d: 86_400_000 };

function parseRate(text: string): Window {
  const match = /^(\d+)\/([smd])$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new Error(`Unreadable rate limit in spec: ${text}`);
  return { limit: Number(match[1]), windowMs: PER[match[2]] ?? 1_000 };
}

function parseRateLimit(raw: { burst: string; steady: string; daily?: string }): RateLimit {
  return {
    burst: parseRate(raw.burst),
    steady: parseRate(raw.steady),
    ...(raw.daily ? { daily: parseRate(raw.daily) } : {}),
  };
}

// e.g. "Rate limits when using the `additional-fields[list]=profile_count` parameter ...
// Burst: `1/s`<br>Steady: `15/m`" in get_list's description.
const CONDITIONAL =
  /Rate limits when using the `([^=`]+)=([^`]+)` parameter[\s\S]*?Burst: `([^`]+)`[\s\S]*?Steady: `([^`]+)`/g;

function conditionalLimits(description: string): ConditionalRateLimit[] {
  return [...description.matchAll(CONDITIONAL)].map((m) => ({
    param: m[1] ?? '',
    value: m[2] ?? '',
    limit: { burst: parseRate(m[3] ?? ''), steady: parseRate(m[4] ?? '') },
  }));
}

function filterFields(raw: Record<string, any> | undefined): Record<string, FilterField> | undefined {
  if (!raw) return undefined;
  const out: Record<string, FilterField> = {};
  for (const [field, def] of Object.entries(raw)) {
    const value = def.value ?? {};
    const valueType =
      value.format === 'date-time'
        ? 'datetime'
        : value.type === 'integer' || value.type === 'number'
          ? 'number'
          : value.type === 'boolean'
            ? 'boolean'
            : value.type === 'array'
              ? 'array'
              : 'string';
    out[field] = { single: def.operators?.single ?? [], list: def.operators?.list ?? [], valueType };
  }
  return out;
}

// Operations state their own ceiling ("The maximum allowed payload size is 100KB"); the rest get 5MB,
// the ceiling the spec states most often (docs/klaviyo-notes.md#payload-limits).
const DEFAULT_PAYLOAD_BYTES = 5 * 1024 * 1024;

function maxPayloadBytes(description: string): number {
  const m = /maximum allowed payload size is (\d+) ?(MB|KB)/i.exec(description);
  if (!m?.[1] || !m[2]) return DEFAULT_PAYLOAD_BYTES;
  return Number(m[1]) * (m[2].toUpperCase() === 'MB' ? 1024 * 1024 : 1024);
}

function toPattern(path: string): { pattern: RegExp; pathParams: string[] } {
  const pathParams: string[] = [];
  const source = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    pathParams.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}/?$`), pathParams };
}

export interface Spec {
  document: Record<string, any>;
  version: string;
  operations: Operation[];
  byId: Map<string, Operation>;
}

let cached: Spec | undefined;

/** Loads and indexes the spec once per process. */
export function loadSpec(): Spec {
  if (cached) return cached;
  const document = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!op?.operationId) continue;
      const params: Record<string, ParamSpec> = {};
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        params[p.name] = { name: p.name, in: p.in, required: Boolean(p.required), schema: p.schema ?? {} };
      }
      const content = op.requestBody?.content ?? {};
      const bodySchema = (Object.values(content)[0] as any)?.schema;
      operations.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        ...toPattern(path),
        client: path.startsWith('/client/'),
        scopes: op['x-klaviyo-scopes'] ?? [],
        rateLimit: parseRateLimit(op['x-klaviyo-ratelimit']),
        conditionalRateLimits: conditionalLimits(op.description ?? ''),
        filters: filterFields(op['x-klaviyo-filters']),
        params,
        requestSchemaRef: bodySchema?.$ref,
        maxPayloadBytes: maxPayloadBytes(op.description ?? ''),
        successStatuses: Object.keys(op.responses ?? {})
          .filter((s) => /^2\d\d$/.test(s))
          .map(Number),
      });
    }
  }
  cached = {
    document,
    version: document.info.version,
    operations,
    byId: new Map(operations.map((o) => [o.id, o])),
  };
  return cached;
}

/** The `page[size]` bounds of an operation, or undefined when it takes none. */
export function pageSizeBounds(op: Operation): { min: number; max: number; default: number } | undefined {
  const schema = op.params['page[size]']?.schema as
    | { minimum?: number; maximum?: number; default?: number }
    | undefined;
  if (!schema) return undefined;
  return {
    min: schema.minimum ?? 1,
    max: schema.maximum ?? 100,
    default: schema.default ?? schema.maximum ?? 20,
  };
}

/** The enum of a query parameter (array items or plain string), or undefined when it is free. */
export function paramEnum(op: Operation, name: string): string[] | undefined {
  const schema = op.params[name]?.schema as { enum?: string[]; items?: { enum?: string[] } } | undefined;
  return schema?.enum ?? schema?.items?.enum;
}
