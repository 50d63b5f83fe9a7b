/**
 * Builds Klaviyo `filter` expressions (developers.klaviyo.com "Filtering") without string
 * concatenation: strings are quoted and escaped, datetimes are written unquoted, field names are
 * checked, so no value can change the structure of the filter.
 */
export type Scalar = string | number | boolean | Date | null;
export type Condition = { readonly expression: string };

const FIELD = /^[A-Za-z_$][\w$.-]*$/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new TypeError(`'${name}' is not a valid filter field name.`);
  return name;
}

/** Double quotes, with a backslash before `\` and `"`: the escaping Klaviyo's filter docs give. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function literal(value: Scalar): string {
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('Invalid Date in filter.');
    const iso = value.toISOString(); // datetimes are unquoted; a quoted one is rejected as invalid
    if (!/^\d{4}-/.test(iso)) throw new TypeError(`${iso} is outside the years 0000-9999 a filter can hold.`);
    return iso;
  }
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} is not a finite number.`);
    return String(value);
  }
  return value ? 'true' : 'false';
}

function list(values: readonly Scalar[]): string {
  return `[${values.map(literal).join(',')}]`;
}

const op =
  (operator: string) =>
  (name: string, value: Scalar): Condition => ({
    expression: `${operator}(${field(name)},${literal(value)})`,
  });
const listOp =
  (operator: string) =>
  (name: string, values: readonly Scalar[]): Condition => ({
    expression: `${operator}(${field(name)},${list(values)})`,
  });

export const equals = op('equals');
export const contains = op('contains');
export const startsWith = op('starts-with');
export const endsWith = op('ends-with');
export const greaterThan = op('greater-than');
export const greaterOrEqual = op('greater-or-equal');
export const lessThan = op('less-than');
export const lessOrEqual = op('less-or-equal');
export const any = listOp('any');
export const equalsAny = listOp('equals');
export const containsAny = listOp('contains-any');
export const containsAll = listOp('contains-all');
export const has = (name: string): Condition => ({ expression: `has(${field(name)})` });

/** Joins conditions with `and(...)`; Klaviyo filters are AND only. */
export function and(...conditions: Condition[]): Condition {
  if (conditions.length === 0) throw new TypeError('and() needs at least one condition.');
  return conditions.length === 1
    ? (conditions[0] as Condition)
    : { expression: `and(${conditions.map((c) => c.expression).join(',')})` };
}

/** The `filter` query value for one or more conditions. */
export function buildFilter(...conditions: Condition[]): string {
  return and(...conditions).expression;
}
