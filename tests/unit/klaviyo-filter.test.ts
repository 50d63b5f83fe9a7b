import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../emulator/filter/parse.js';
import {
  any,
  buildFilter,
  equals,
  greaterOrEqual,
  has,
  lessThan,
} from '../../lib/klaviyo-next/api/filter.js';

// Strings meant to break out of a quoted value: quotes, backslashes, commas, brackets and parens.
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.stringMatching(/^[\\"',()[\]a-z =-]{0,24}$/),
  fc.constantFrom(
    '"),equals(id,"x',
    "'",
    '\\',
    '\\"',
    'a\\\\"b',
    '])',
    'null',
    'true',
    '2024-01-01T00:00:00Z',
  ),
);

describe('the typed filter builder', () => {
  it('no string value can change the structure of a filter (1000 cases, parsed by the emulator)', () => {
    fc.assert(
      fc.property(
        hostile,
        fc.array(hostile, { maxLength: 4 }),
        fc.date({ noInvalidDate: true, min: new Date('1990-01-01'), max: new Date('2100-01-01') }),
        (email, ids, since) => {
          const filter = buildFilter(
            equals('email', email),
            any('id', ids),
            greaterOrEqual('created', since),
          );
          const conditions = parseFilter(filter);
          expect(conditions).toEqual([
            { operator: 'equals', field: 'email', value: { kind: 'string', value: email } },
            {
              operator: 'any',
              field: 'id',
              value: { kind: 'array', items: ids.map((value) => ({ kind: 'string', value })) },
            },
            {
              operator: 'greater-or-equal',
              field: 'created',
              value: { kind: 'datetime', value: since.toISOString(), ms: since.getTime() },
            },
          ]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('writes datetimes unquoted, numbers and booleans bare, and joins with and()', () => {
    expect(
      buildFilter(
        equals('metric_id', 'UxxK4u'),
        greaterOrEqual('datetime', new Date('2023-02-07T00:00:00Z')),
        lessThan('value', 10.5),
        equals('published', true),
        has('profile'),
      ),
    ).toBe(
      'and(equals(metric_id,"UxxK4u"),greater-or-equal(datetime,2023-02-07T00:00:00.000Z),less-than(value,10.5),equals(published,true),has(profile))',
    );
    expect(buildFilter(equals('email', 'Tony\'s "ball"\\'))).toBe('equals(email,"Tony\'s \\"ball\\"\\\\")');
  });

  it('refuses field names that could inject structure, and values that are not finite', () => {
    expect(() => equals('email,"x"),equals(id', 'a')).toThrow(/not a valid filter field/);
    expect(() => lessThan('value', Number.NaN)).toThrow(/finite/);
    expect(() => greaterOrEqual('created', new Date('nope'))).toThrow(/Invalid Date/);
    expect(() => greaterOrEqual('created', new Date(Date.UTC(10_000, 0, 1)))).toThrow(/0000-9999/);
  });
});
