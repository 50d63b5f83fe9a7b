import { seededRandom } from '../seed/random.js';
import { EmulatorError } from './errors.js';

/**
 * Fault injection for tests, off by default. Each fault can be scoped to some operations.
 * - latencyMs: added before every answer;
 * - errorRates: probability per status (e.g. {"503": 0.2}) of answering that error instead;
 * - storm429: the next `count` matching requests get 429 with `Retry-After: retryAfterSeconds`;
 * - outageUntil: epoch ms (emulator clock) until which every request gets 503;
 * - dropRate: probability of destroying the connection without an answer;
 * - until: epoch ms (emulator clock) after which none of the above applies any more, so a burst of
 *   5xx or a spell of slow answers ends by itself, as Klaviyo's incidents do, without a second call
 *   (the control API also takes `forMs`, relative to the emulator's clock, which a test in another
 *   process cannot read).
 */
export interface FaultConfig {
  operations?: string[];
  latencyMs?: number;
  errorRates?: Record<string, number>;
  storm429?: { count: number; retryAfterSeconds: number };
  outageUntil?: number;
  down?: boolean;
  dropRate?: number;
  until?: number;
  seed?: number;
}

export type FaultOutcome = { kind: 'none' } | { kind: 'drop' } | { kind: 'error'; error: EmulatorError };

export class Faults {
  private config: FaultConfig = {};
  private random: () => number = Math.random;
  /** The emulator's clock, for `until` where a caller passes no time (the latency check). */
  private now: () => number = Date.now;
  served = { errors: 0, drops: 0, storm429: 0, delayed: 0 };

  set(config: FaultConfig, now: () => number = this.now): void {
    this.now = now;
    this.config = { ...config, ...(config.storm429 ? { storm429: { ...config.storm429 } } : {}) };
    this.random = config.seed === undefined ? Math.random : seededRandom(config.seed).next;
  }

  clear(): void {
    this.config = {};
  }

  current(): FaultConfig {
    return this.config;
  }

  latencyFor(operationId: string, now: number = this.now()): number {
    const latency = this.applies(operationId, now) ? (this.config.latencyMs ?? 0) : 0;
    if (latency > 0) this.served.delayed++;
    return latency;
  }

  private applies(operationId: string, now: number): boolean {
    if (this.config.until !== undefined && now >= this.config.until) return false;
    return !this.config.operations || this.config.operations.includes(operationId);
  }

  decide(operationId: string, now: number): FaultOutcome {
    if (!this.applies(operationId, now)) return { kind: 'none' };
    const c = this.config;
    if (c.down || (c.outageUntil !== undefined && now < c.outageUntil)) {
      this.served.errors++;
      return {
        kind: 'error',
        error: new EmulatorError(503, 'service_unavailable', 'Klaviyo is unavailable (injected outage).'),
      };
    }
    if (c.dropRate && this.random() < c.dropRate) {
      this.served.drops++;
      return { kind: 'drop' };
    }
    if (c.storm429 && c.storm429.count > 0) {
      c.storm429.count--;
      this.served.storm429++;
      const seconds = c.storm429.retryAfterSeconds;
      return {
        kind: 'error',
        error: new EmulatorError(
          429,
          'throttled',
          `Request was throttled. Expected available in ${seconds} seconds.`,
          {
            headers: { 'Retry-After': String(seconds) },
          },
        ),
      };
    }
    for (const [status, rate] of Object.entries(c.errorRates ?? {})) {
      if (this.random() < rate) {
        this.served.errors++;
        const code = Number(status);
        return {
          kind: 'error',
          error: new EmulatorError(
            code,
            code >= 500 ? 'server_error' : 'invalid',
            `Injected ${status} error.`,
          ),
        };
      }
    }
    return { kind: 'none' };
  }
}
