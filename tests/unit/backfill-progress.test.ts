import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatSeconds, progressBar } from '../../lib/klaviyo-next/cli/progress';

/** The commands' shared progress bar (cli/progress.ts) as a log or a parent process reads it. */
describe('progressBar on a stream that is not a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const capture = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    return { stream, lines: () => text.split('\n').filter((line) => line !== '') };
  };

  it('prints plain lines at most every 2 s with done/total, rate, time left and the label', () => {
    const { stream, lines } = capture();
    const bar = progressBar('Backfill {orders}', { stream });
    bar.update({ done: 4000, total: 10_000, label: 'orders' });
    // Many updates within 2 s print nothing more.
    for (let done = 4001; done < 4100; done++) bar.update({ done, total: 10_000, label: 'orders' });
    vi.advanceTimersByTime(1000);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain('Backfill {orders}');
    expect(lines()[0]).toContain('4000/10000');
    expect(lines()[0]).toContain('--/s');

    // 1,000 more in 2 s: this run's rate is 500/s (the 4,000 it resumed from are not speed).
    vi.advanceTimersByTime(999);
    bar.update({ done: 5000, total: 10_000, label: 'customers' });
    vi.advanceTimersByTime(1);
    const last = lines().at(-1) ?? '';
    expect(lines()).toHaveLength(2);
    expect(last).toContain('5000/10000');
    expect(last).toContain('50%');
    expect(last).toContain('500/s');
    expect(last).toContain('ETA 10s');
    expect(last).toContain('| customers');
    expect(last.includes(String.fromCharCode(27))).toBe(false); // no cursor movement in a log
  });

  it('follows a total that grows and prints the summary when stopped', () => {
    const { stream, lines } = capture();
    const bar = progressBar('Delivering history', { stream });
    bar.update({ done: 0, total: 10 });
    vi.advanceTimersByTime(500);
    bar.update({ done: 10, total: 20 });
    bar.stop('20 messages delivered');
    expect(lines().at(-2)).toContain('10/20');
    expect(lines().at(-1)).toBe('20 messages delivered');
    // Stopped: no more lines however long the process lives.
    vi.advanceTimersByTime(10_000);
    expect(lines().at(-1)).toBe('20 messages delivered');
  });

  it('prints the summary alone when nothing was ever counted', () => {
    const { stream, lines } = capture();
    progressBar('Nothing', { stream }).stop('nothing to send');
    expect(lines()).toEqual(['nothing to send']);
  });

  it('leaves SIGINT and SIGTERM to the command', () => {
    const before = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
    const { stream } = capture();
    const bar = progressBar('x', { stream });
    bar.update({ done: 1, total: 2 });
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).toBe(before);
    bar.stop();
  });

  it('writes time left for planning, never INF', () => {
    expect(formatSeconds(0.2)).toBe('1s');
    expect(formatSeconds(185)).toBe('3m05s');
    expect(formatSeconds(4320)).toBe('1h12m');
    expect(formatSeconds(1e12)).toBe('>999h');
  });
});
