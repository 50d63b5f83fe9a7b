import type { Condition, FilterValue } from './parse.js';

type Scalar = string | number | boolean | null | undefined;

function plain(value: FilterValue): unknown {
  switch (value.kind) {
    case 'null':
      return null;
    case 'array':
      return value.items.map(plain);
    case 'datetime':
      return value.ms;
    default:
      return value.value;
  }
}

function comparable(actual: unknown, expected: FilterValue): Scalar {
  // Datetime conditions compare as epoch milliseconds, whatever form the record stores.
  if (expected.kind === 'datetime' && typeof actual === 'string') return Date.parse(actual);
  return actual as Scalar;
}

function test(operator: string, actual: unknown, value: FilterValue | undefined): boolean {
  if (operator === 'has') return actual !== undefined && actual !== null;
  if (!value) return false;
  const expected = plain(value);
  if (Array.isArray(actual)) {
    if (operator === 'contains') return actual.includes(expected);
    if (operator === 'contains-any') return (expected as unknown[]).some((e) => actual.includes(e));
    if (operator === 'contains-all') return (expected as unknown[]).every((e) => actual.includes(e));
    if (operator === 'equals' && !Array.isArray(expected)) return actual.includes(expected);
  }
  const a = comparable(actual, value.kind === 'array' ? (value.items[0] ?? value) : value);
  switch (operator) {
    case 'equals':
      return Array.isArray(expected) ? expected.includes(a) : a === expected;
    case 'any':
      return (expected as unknown[]).includes(a);
    case 'contains':
      return typeof a === 'string' && a.includes(String(expected));
    case 'contains-any':
      return typeof a === 'string' && (expected as unknown[]).some((e) => a.includes(String(e)));
    case 'contains-all':
      return typeof a === 'string' && (expected as unknown[]).every((e) => a.includes(String(e)));
    case 'starts-with':
      return typeof a === 'string' && a.startsWith(String(expected));
    case 'ends-with':
      return typeof a === 'string' && a.endsWith(String(expected));
    case 'greater-than':
      return a != null && (a as number) > (expected as number);
    case 'greater-or-equal':
      return a != null && (a as number) >= (expected as number);
    case 'less-than':
      return a != null && (a as number) < (expected as number);
    case 'less-or-equal':
      return a != null && (a as number) <= (expected as number);
    default:
      return false;
  }
}

/** Reads a filter field's value from a record; each resource supplies its own. */
export type FieldReader<T> = (record: T, field: string) => unknown;

/** True when the record satisfies every condition (filters are AND only). */
export function matches<T>(record: T, conditions: Condition[], read: FieldReader<T>): boolean {
  return conditions.every((c) => test(c.operator, read(record, c.field), c.value));
}
