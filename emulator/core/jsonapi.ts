import type { FieldReader } from '../filter/evaluate.js';
import { matches } from '../filter/evaluate.js';
import type { Context } from './context.js';
import { invalid } from './errors.js';

export interface Resource {
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, unknown>;
  links: { self: string };
}

/** The collection path of a JSON:API type, e.g. catalog-item -> /api/catalog-items, catalog-category -> /api/catalog-categories. */
export function collectionPath(type: string): string {
  if (type.endsWith('s')) return `/api/${type}`;
  if (type.endsWith('y')) return `/api/${type.slice(0, -1)}ies`;
  return `/api/${type}s`;
}

export function selfLink(ctx: Context, type: string, id: string): string {
  return `${ctx.baseUrl}${collectionPath(type)}/${encodeURIComponent(id)}/`;
}

function pickPath(source: Record<string, any>, path: string[], target: Record<string, any>): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in source)) return;
  if (rest.length === 0 || source[head] === null || typeof source[head] !== 'object') {
    target[head] = source[head];
    return;
  }
  target[head] = target[head] ?? {};
  pickPath(source[head], rest, target[head]);
}

/** Applies `fields[type]=a,b.c` to a resource's attributes. */
export function sparse(ctx: Context, type: string, attributes: Record<string, any>): Record<string, any> {
  const wanted = ctx.query.fields[type];
  if (!wanted || wanted.length === 0) return attributes;
  const out: Record<string, any> = {};
  for (const field of wanted) pickPath(attributes, field.split('.'), out);
  return out;
}

export function relationship(ctx: Context, type: string, id: string, name: string, data?: unknown) {
  const base = `${selfLink(ctx, type, id).replace(/\/$/, '')}`;
  return {
    ...(data !== undefined ? { data } : {}),
    links: { self: `${base}/relationships/${name}/`, related: `${base}/${name}/` },
  };
}

export function toResource(
  ctx: Context,
  type: string,
  id: string,
  attributes: Record<string, any>,
  relationships?: Record<string, unknown>,
): Resource {
  return {
    type,
    id,
    attributes: sparse(ctx, type, attributes),
    ...(relationships ? { relationships } : {}),
    links: { self: selfLink(ctx, type, id) },
  };
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** Decodes an opaque `page[cursor]`; a cursor we did not issue is a 400. */
export function decodeCursor(cursor: string, parameter: string): number {
  // The official SDK pulls the cursor out of a `links.next` URL only when it starts with https://,
  // so against this http emulator it passes the whole URL; take the cursor from it.
  if (/^https?:\/\//.test(cursor)) {
    const inner = new URL(cursor).searchParams.get(parameter);
    if (inner) return decodeCursor(inner, parameter);
  }
  try {
    const { o } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through to the error below
  }
  throw invalid(`'${cursor}' is not a valid cursor.`, { parameter });
}

/** The request URL with its query re-encoded (`page%5Bsize%5D`, as Klaviyo's links are). */
function requestUrl(ctx: Context, cursor?: { param: string; offset: number }): string {
  const params = new URLSearchParams(ctx.url.searchParams);
  if (cursor) params.set(cursor.param, encodeCursor(cursor.offset));
  const query = params.toString();
  return `${ctx.baseUrl}${ctx.url.pathname}${query ? `?${query}` : ''}`;
}

export interface ListOptions<T> {
  read: FieldReader<T>;
  render: (record: T) => Resource;
  /** Sort values by sort field; records are sorted by id when no sort is given. */
  sortValue?: (record: T, field: string) => string | number | null | undefined;
  /** Page size when the endpoint takes no `page[size]` (e.g. get_metrics returns at most 200). */
  fixedPageSize?: number;
  cursorParam?: string;
}

/**
 * A collection document: filter, sort, cursor pagination with full-URL `links.next`/`links.prev`.
 * Klaviyo has been seen sending `null` for an absent link, but the spec types both as strings, so
 * the emulator follows the spec and leaves them out.
 */
export function listDocument<T>(ctx: Context, records: Iterable<T>, options: ListOptions<T>) {
  let rows = [...records].filter((r) => matches(r, ctx.query.filter, options.read));
  const sort = ctx.query.sort;
  if (sort && options.sortValue) {
    const value = options.sortValue;
    rows = rows.sort((a, b) => {
      const x = value(a, sort.field) ?? '';
      const y = value(b, sort.field) ?? '';
      const order = x < y ? -1 : x > y ? 1 : 0;
      return sort.descending ? -order : order;
    });
  }
  const size = ctx.query.pageSize ?? options.fixedPageSize ?? rows.length;
  const offset = ctx.query.pageOffset;
  const page = rows.slice(offset, offset + size);
  const cursorParam = options.cursorParam ?? 'page[cursor]';
  return {
    data: page.map(options.render),
    links: {
      self: requestUrl(ctx),
      ...(offset + size < rows.length
        ? { next: requestUrl(ctx, { param: cursorParam, offset: offset + size }) }
        : {}),
      ...(offset > 0
        ? { prev: requestUrl(ctx, { param: cursorParam, offset: Math.max(0, offset - size) }) }
        : {}),
    },
  };
}

/** Reads `attributes.a.b` for filters whose field is an attribute path. */
export function readAttribute(attributes: Record<string, any>, field: string): unknown {
  let value: any = attributes;
  for (const part of field.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[part];
  }
  return value;
}
