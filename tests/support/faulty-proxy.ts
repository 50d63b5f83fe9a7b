import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to the answers of requests that match `method` and `path`:
 * - `garble`: Klaviyo handled the request, but the 2xx body that reaches us is not JSON (a proxy's or
 *   CDN's error page, a truncated answer);
 * - `reset`: Klaviyo handled the request and started answering, then the stream is cut mid-body.
 * - `replace`: answers with the given status and JSON body without forwarding the request, as
 *   Klaviyo does when it refuses one.
 */
export interface ProxyFault {
  method: string;
  path: RegExp;
  mode: 'garble' | 'reset' | 'replace';
  /** How many matching answers to spoil; default every one. */
  count?: number;
  replaceWith?: { status: number; body: unknown };
}

/**
 * A transparent HTTP proxy in front of the emulator that spoils chosen answers at the transport
 * level, the way a network or a misbehaving intermediary does. The emulator's own fault injection
 * answers errors or drops connections before handling a request; this covers what happens after
 * Klaviyo did the work.
 */
export async function startFaultyProxy(upstream: string) {
  const target = new URL(upstream);
  let faults: ProxyFault[] = [];
  const spoiled = { garble: 0, reset: 0, replace: 0 };

  function faultFor(req: IncomingMessage): ProxyFault | undefined {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const fault = faults.find(
      (f) => f.method === req.method && f.path.test(path) && (f.count === undefined || f.count > 0),
    );
    if (fault && fault.count !== undefined) fault.count--;
    return fault;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fault = faultFor(req);
    if (fault?.mode === 'replace') {
      // Klaviyo refused: the emulator never sees the request.
      spoiled.replace++;
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.replaceWith?.status ?? 500, { 'content-type': 'application/vnd.api+json' });
        res.end(JSON.stringify(fault.replaceWith?.body ?? {}));
      });
      return;
    }
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = answer.statusCode ?? 502;
          const headers = { ...answer.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          if (!fault || status >= 300) {
            res.writeHead(status, headers);
            res.end(body);
            return;
          }
          spoiled[fault.mode]++;
          if (fault.mode === 'garble') {
            res.writeHead(status, { ...headers, 'content-type': 'text/html' });
            res.end('<html><body>502 Bad Gateway</body></html>');
          } else {
            // Promise more than is sent, send half, then cut the connection.
            res.writeHead(status, { ...headers, 'content-length': String(body.length + 100) });
            res.write(body.subarray(0, Math.floor(body.length / 2)));
            setImmediate(() => res.socket?.destroy());
          }
        });
      },
    );
    forward.on('error', () => res.socket?.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spoiled,
    set: (next: ProxyFault[]) => {
      faults = next.map((f) => ({ ...f }));
    },
    clear: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FaultyProxy = Awaited<ReturnType<typeof startFaultyProxy>>;
