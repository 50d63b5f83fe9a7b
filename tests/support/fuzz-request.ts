import { createRequire } from 'node:module';

/**
 * The request a fuzzed server action runs in: its cookie jar and headers, as Next.js's
 * `next/headers` would give them, and `redirect()` & co. as the signals Next.js throws. Test files
 * point `vi.mock('next/headers')` and `vi.mock('next/navigation')` here; next-auth, loaded by Node
 * outside vitest's module graph, gets the same jar through its own `require('next/headers')`.
 */

export class NavigationSignal extends Error {
  constructor(
    readonly kind: string,
    readonly url?: string,
  ) {
    super(`${kind}${url ? ` ${url}` : ''}`);
  }
}

interface RequestState {
  cookies: Map<string, string>;
  headers: Headers;
  /** Cookies the action set or deleted (value undefined), in order. */
  writes: [string, string | undefined][];
}

let state: RequestState = { cookies: new Map(), headers: new Headers(), writes: [] };

/** Starts a request with these cookies and headers; returns what the action wrote, when asked. */
export function startRequest(
  cookies: [string, string][],
  headers: Record<string, string> = {},
): RequestState {
  const jar = new Map(cookies);
  const h = new Headers();
  for (const [k, v] of Object.entries(headers)) {
    try {
      h.set(k, v);
    } catch {
      // not a header an HTTP parser would pass on
    }
  }
  try {
    if (cookies.length) h.set('cookie', cookies.map(([k, v]) => `${k}=${v}`).join('; '));
  } catch {
    // a cookie value no browser would send in a header; the jar still has it
  }
  state = { cookies: jar, headers: h, writes: [] };
  return state;
}

const jar = {
  get: (name: string) =>
    state.cookies.has(name) ? { name, value: state.cookies.get(name) as string } : undefined,
  getAll: () => [...state.cookies].map(([name, value]) => ({ name, value })),
  has: (name: string) => state.cookies.has(name),
  set: (name: string | { name: string; value: string }, value?: string) => {
    const [n, v] = typeof name === 'string' ? [name, String(value)] : [name.name, name.value];
    state.cookies.set(n, v);
    state.writes.push([n, v]);
  },
  delete: (name: string | { name: string }) => {
    const n = typeof name === 'string' ? name : name.name;
    state.cookies.delete(n);
    state.writes.push([n, undefined]);
  },
};

export const nextHeaders = {
  cookies: async () => jar,
  headers: async () => state.headers,
  draftMode: async () => ({ isEnabled: false, enable() {}, disable() {} }),
};

const signal = (kind: string) => (url?: string) => {
  throw new NavigationSignal(kind, url);
};
export const nextNavigation = {
  redirect: signal('redirect'),
  permanentRedirect: signal('redirect'),
  notFound: signal('notFound'),
  forbidden: signal('forbidden'),
  unauthorized: signal('unauthorized'),
};

// next-auth's getServerSession reads `require('next/headers')` itself.
const cjs = createRequire(createRequire(import.meta.url).resolve('next-auth'))('next/headers') as Record<
  string,
  unknown
>;
Object.assign(cjs, { cookies: nextHeaders.cookies, headers: nextHeaders.headers });
