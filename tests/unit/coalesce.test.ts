import { describe, expect, it } from 'vitest';
import { coalesce } from '../../lib/klaviyo-next/sql/coalesce.js';

/** Group commit (sql/coalesce.ts): what the relay's writes and rate limits share between requests. */
describe('coalesce', () => {
  const recorder = () => {
    const batches: number[][] = [];
    const run = async (items: number[]) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((n) => n * 10);
    };
    return { batches, run };
  };

  it('starts a lone call at once and sends the calls made meanwhile together, each its own answer', async () => {
    const { batches, run } = recorder();
    const call = coalesce(run);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => call(n)));
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
    expect(await call(6)).toBe(60);
    expect(batches.at(-1)).toEqual([6]);
  });

  it('holds a batch to its maximum and sends the rest next, in arrival order', async () => {
    const { batches, run } = recorder();
    const call = coalesce(run, 2);
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => call(n)));
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('runs each item of a failed batch again alone: only the bad one fails, the others are answered', async () => {
    const batches: string[][] = [];
    const call = coalesce(async (items: string[]) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (items.includes('bad')) throw new Error(`cannot store ${items.join(',')}`);
      return items.map((s) => s.toUpperCase());
    });
    const settled = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((s) => call(s)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : String(s.reason)))).toEqual([
      'A',
      'B',
      'Error: cannot store bad',
      'C',
    ]);
    expect(batches).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    expect(await call('d')).toBe('D');
  });
});
