import { randomBytes } from 'node:crypto';
import { Account } from '../store/account.js';
import { startWebhookDelivery, type WebhookDispatcher } from '../webhooks/delivery.js';
import { type Clock, ControllableClock } from './clock.js';
import type { HandlerTable } from './context.js';
import { Faults } from './faults.js';
import { shortId } from './ids.js';
import { RateLimiter } from './rate-limit.js';
import { SchemaValidator } from './schema.js';
import { loadSpec, type Spec } from './spec.js';

export interface ApiKey {
  accountId: string;
  scopes: Set<string> | 'all';
}

export interface ResponseRecord {
  operationId: string;
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface EmulatorOptions {
  clock?: Clock;
  rateLimits?: boolean;
  /** How often queued bulk jobs are processed, in real milliseconds. */
  jobIntervalMs?: number;
  /** Test-only: let webhooks deliver over http to a loopback receiver (see EmulatorSettings). */
  httpLoopbackWebhooks?: boolean;
}

/** Emulator-wide settings a test may change at run time (PUT /__emulator/webhooks). */
export interface EmulatorSettings {
  /**
   * Klaviyo's endpoint_url "Must be https" (webhook create and update schemas), so the emulator
   * refuses http. Tests that receive deliveries on a local http server opt in; even then only
   * loopback hosts may use http. Off unless a test turns it on.
   */
  httpLoopbackWebhooks: boolean;
}

/** All state of one emulator instance: accounts, keys, limiter, faults and the spec-derived rules. */
export class Emulator {
  readonly spec: Spec = loadSpec();
  readonly validator = new SchemaValidator(this.spec);
  readonly clock: Clock;
  readonly limiter: RateLimiter;
  readonly faults = new Faults();
  readonly accounts = new Map<string, Account>();
  readonly privateKeys = new Map<string, ApiKey>();
  readonly handlers: HandlerTable = {};
  readonly responseObservers: ((record: ResponseRecord) => void)[] = [];
  readonly requestCounts = new Map<string, number>();
  readonly settings: EmulatorSettings;
  private readonly jobTimer: NodeJS.Timeout;
  private readonly dispatchers: WebhookDispatcher[] = [];

  constructor(options: EmulatorOptions = {}) {
    this.clock = options.clock ?? new ControllableClock();
    this.settings = { httpLoopbackWebhooks: options.httpLoopbackWebhooks ?? false };
    this.limiter = new RateLimiter(this.clock);
    this.limiter.enabled = options.rateLimits ?? true;
    this.jobTimer = setInterval(() => this.runJobs(), options.jobIntervalMs ?? 50);
    this.jobTimer.unref();
  }

  register(table: HandlerTable): void {
    Object.assign(this.handlers, table);
  }

  /**
   * Creates an account with a private key (all scopes unless given) and its public key, the
   * six-character site id that is also the account id.
   */
  createAccount(options: { name?: string; id?: string; privateKey?: string; scopes?: string[] } = {}) {
    const id = options.id ?? shortId();
    const account = new Account(id, options.name ?? 'Northwind Goods', this.clock);
    this.accounts.set(id, account);
    this.dispatchers.push(startWebhookDelivery(account));
    const privateKey = this.addKey(id, options.scopes, options.privateKey);
    return { account, publicKey: id, privateKey };
  }

  addKey(accountId: string, scopes?: string[], key = `pk_${randomBytes(17).toString('hex')}`): string {
    this.privateKeys.set(key, { accountId, scopes: scopes ? new Set(scopes) : 'all' });
    return key;
  }

  /** Waits until every queued webhook delivery (retries included) has finished. */
  async drainWebhooks(): Promise<void> {
    await Promise.all(this.dispatchers.map((d) => d.drain()));
  }

  runJobs(): number {
    let ran = 0;
    for (const account of this.accounts.values()) ran += account.runQueuedJobs();
    return ran;
  }

  close(): void {
    clearInterval(this.jobTimer);
    for (const dispatcher of this.dispatchers) dispatcher.stop();
  }
}
