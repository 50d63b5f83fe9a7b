import type { IncomingHttpHeaders } from 'node:http';
import type { Condition } from '../filter/parse.js';
import type { Account } from '../store/account.js';
import type { EmulatorSettings } from './emulator.js';
import type { Operation } from './spec.js';

/** The parsed, validated request a handler receives. */
export interface Query {
  filter: Condition[];
  pageSize?: number;
  pageOffset: number;
  sort?: { field: string; descending: boolean };
  include: string[];
  fields: Record<string, string[]>;
  additionalFields: Record<string, string[]>;
  raw: URLSearchParams;
}

export interface Context {
  op: Operation;
  account: Account;
  params: Record<string, string>;
  query: Query;
  body: any;
  headers: IncomingHttpHeaders;
  /** e.g. http://127.0.0.1:8787 — links in documents are full URLs, as Klaviyo's are. */
  baseUrl: string;
  url: URL;
  settings: Readonly<EmulatorSettings>;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Context) => Reply | Promise<Reply>;
export type HandlerTable = Record<string, Handler>;

export const accepted = (): Reply => ({ status: 202 });
export const noContent = (): Reply => ({ status: 204 });
export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
