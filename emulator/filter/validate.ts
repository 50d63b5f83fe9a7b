import { invalid } from '../core/errors.js';
import type { FilterField } from '../core/spec.js';
import type { Condition, FilterValue } from './parse.js';

const where = { parameter: 'filter' };

function valueMatchesType(value: FilterValue, field: FilterField): string | undefined {
  const items = value.kind === 'array' ? value.items : [value];
  for (const item of items) {
    if (item.kind === 'null') continue;
    if (field.valueType === 'datetime' && item.kind !== 'datetime') {
      return item.kind === 'string'
        ? 'datetimes must not be quoted'
        : 'expected a datetime such as 2024-01-01T00:00:00Z';
    }
    if (field.valueType === 'string' && item.kind !== 'string') return 'expected a quoted string';
    if (field.valueType === 'number' && item.kind !== 'number') return 'expected a number';
    if (field.valueType === 'boolean' && item.kind !== 'boolean') return 'expected true or false';
  }
  return undefined;
}

/**
 * Checks parsed conditions against the operation's `x-klaviyo-filters`: the field must be listed,
 * the operator must be one of its `single` operators (scalar value) or `list` operators (array value),
 * and the value must have the field's type.
 */
export function validateFilter(
  conditions: Condition[],
  allowed: Record<string, FilterField> | undefined,
): void {
  if (!allowed) throw invalid('This endpoint does not support filtering.', where);
  for (const c of conditions) {
    const field = allowed[c.field];
    if (!field) {
      throw invalid(
        `'${c.field}' is not a valid field for this endpoint's filter; allowed fields: ${Object.keys(allowed).join(', ')}.`,
        where,
      );
    }
    if (c.operator === 'has') {
      if (!field.single.includes('has'))
        throw invalid(`'has' is not a valid operator for '${c.field}'.`, where);
      continue;
    }
    const value = c.value;
    if (!value) throw invalid(`'${c.operator}' needs a value.`, where);
    const isList = value.kind === 'array';
    const operators = isList ? field.list : field.single;
    if (!operators.includes(c.operator)) {
      const all = [...new Set([...field.single, ...field.list])];
      throw invalid(
        `'${c.operator}' with ${isList ? 'a list' : 'a single value'} is not a valid operator for '${c.field}'; allowed: ${all.join(', ')}.`,
        where,
      );
    }
    const problem = valueMatchesType(value, field);
    if (problem) throw invalid(`Invalid value for '${c.field}': ${problem}.`, where);
  }
}
