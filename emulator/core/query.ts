import { parseFilter } from '../filter/parse.js';
import { validateFilter } from '../filter/validate.js';
import type { Query } from './context.js';
import { invalid } from './errors.js';
import { decodeCursor } from './jsonapi.js';
import { type Operation, pageSizeBounds, paramEnum } from './spec.js';

// Query parameters the JSON:API layer handles for every operation whose spec lists them.
const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function checkEnum(op: Operation, name: string, values: string[]): void {
  const allowed = paramEnum(op, name);
  if (!allowed) return;
  for (const v of values) {
    if (!allowed.includes(v)) {
      throw invalid(`'${v}' is not a valid value for '${name}'; allowed: ${allowed.join(', ')}.`, {
        parameter: name,
      });
    }
  }
}

/**
 * Parses and checks the query string against the operation's parameters in the spec: unknown
 * parameters, required ones (get_campaigns' filter), page[size] bounds, and the enums of sort,
 * include, fields[...] and additional-fields[...].
 */
export function parseQuery(op: Operation, search: URLSearchParams): Query {
  const query: Query = {
    filter: [],
    pageOffset: 0,
    include: [],
    fields: {},
    additionalFields: {},
    raw: search,
  };
  for (const name of new Set(search.keys())) {
    const spec = op.params[name];
    if (spec?.in !== 'query') {
      throw invalid(`'${name}' is not a valid query parameter for this endpoint.`, { parameter: name });
    }
  }
  for (const spec of Object.values(op.params)) {
    if (spec.in === 'query' && spec.required && !search.has(spec.name)) {
      const detail =
        op.id === 'get_campaigns'
          ? "A channel filter is required to list campaigns, e.g. filter=equals(messages.channel,'email')."
          : `'${spec.name}' is a required query parameter.`;
      throw invalid(detail, { parameter: spec.name });
    }
  }
  const filter = search.get('filter');
  if (filter !== null) {
    query.filter = parseFilter(filter);
    validateFilter(query.filter, op.filters);
  }
  const size = search.get('page[size]');
  if (size !== null) {
    const bounds = pageSizeBounds(op);
    const n = Number(size);
    if (bounds && (!Number.isInteger(n) || n < bounds.min || n > bounds.max)) {
      throw invalid(`Page size must be an integer between ${bounds.min} and ${bounds.max}.`, {
        parameter: 'page[size]',
      });
    }
    query.pageSize = n;
  } else {
    query.pageSize = pageSizeBounds(op)?.default;
  }
  for (const cursorParam of ['page[cursor]', 'page_cursor']) {
    const cursor = search.get(cursorParam);
    if (cursor) query.pageOffset = decodeCursor(cursor, cursorParam);
  }
  const sort = search.get('sort');
  if (sort !== null) {
    checkEnum(op, 'sort', [sort]);
    query.sort = { field: sort.replace(/^-/, ''), descending: sort.startsWith('-') };
  }
  const include = search.get('include');
  if (include !== null) {
    query.include = list(include);
    checkEnum(op, 'include', query.include);
  }
  for (const [name, value] of search) {
    const fields = /^fields\[(.+)\]$/.exec(name);
    if (fields?.[1]) {
      checkEnum(op, name, list(value));
      query.fields[fields[1]] = list(value);
    }
    const additional = /^additional-fields\[(.+)\]$/.exec(name);
    if (additional?.[1]) {
      checkEnum(op, name, list(value));
      query.additionalFields[additional[1]] = list(value);
    }
  }
  return query;
}
