import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../emulator/filter/parse.js';

describe('the emulator filter parser (Klaviyo filter grammar)', () => {
  it('reads comma-joined calls and and() as one AND', () => {
    const conditions = parseFilter(
      'equals(metric_id,"UxxK4u"),and(greater-or-equal(datetime,2023-02-07),less-than(datetime,2023-02-15T00:00:00Z))',
    );
    expect(conditions.map((c) => [c.operator, c.field, c.value?.kind])).toEqual([
      ['equals', 'metric_id', 'string'],
      ['greater-or-equal', 'datetime', 'datetime'],
      ['less-than', 'datetime', 'datetime'],
    ]);
  });

  it('reads both quote styles with backslash escapes, numbers, booleans, null and arrays', () => {
    const [a, b, c] = parseFilter(
      `equals(name,'Tony\\'s ball'),any(id,["a\\"b",'c']),equals(published,true)`,
    );
    expect(a?.value).toEqual({ kind: 'string', value: "Tony's ball" });
    expect(b?.value).toEqual({
      kind: 'array',
      items: [
        { kind: 'string', value: 'a"b' },
        { kind: 'string', value: 'c' },
      ],
    });
    expect(c?.value).toEqual({ kind: 'boolean', value: true });
    expect(parseFilter('equals(count,-1.5)')[0]?.value).toEqual({ kind: 'number', value: -1.5 });
    expect(parseFilter('equals(email,null)')[0]?.value).toEqual({ kind: 'null' });
    expect(parseFilter('has(profile)')[0]).toEqual({ operator: 'has', field: 'profile' });
  });

  it('rejects broken expressions with a 400 that says where', () => {
    for (const bad of [
      'equals(email,"open',
      'equals(email)',
      'equals(email,"a")x',
      'equals(email,bare)',
      'or(has(a))',
      '',
    ]) {
      expect(() => parseFilter(bad), bad).toThrowError(/Invalid filter/);
    }
  });

  it('reads back any string quoted with JSON escaping (as the SDK FilterBuilder writes it)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const [condition] = parseFilter(`equals(email,${JSON.stringify(value)})`);
        expect(condition?.value).toEqual({ kind: 'string', value });
      }),
      { numRuns: 1000 },
    );
  });
});
