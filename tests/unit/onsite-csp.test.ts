import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, KLAVIYO_CSP_HOSTS, securityHeaders } from '../../lib/klaviyo-next/onsite/csp';

const directives = (policy: string) =>
  Object.fromEntries(
    policy.split('; ').map((d) => {
      const [name = '', ...sources] = d.split(' ');
      return [name, sources];
    }),
  );

describe('Content-Security-Policy', () => {
  it("admits Klaviyo's documented hosts and no other remote host in production", () => {
    const csp = directives(contentSecurityPolicy({ dev: false }));
    expect(csp['script-src']).toEqual(["'self'", "'unsafe-inline'", ...KLAVIYO_CSP_HOSTS.script]);
    expect(csp['connect-src']).toEqual(["'self'", ...KLAVIYO_CSP_HOSTS.connect]);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    const remote = Object.values(csp)
      .flat()
      .filter((s) => /^https?:/.test(s));
    const documented = new Set<string>(Object.values(KLAVIYO_CSP_HOSTS).flat());
    expect(remote.filter((s) => !documented.has(s))).toEqual([]);
    expect(Object.values(csp).flat()).not.toContain("'unsafe-eval'");
    expect(
      Object.values(csp)
        .flat()
        .some((s) => s.includes('*')),
    ).toBe(false);
  });

  it("adds the emulator's origin (scripts and API) only when it stands in for Klaviyo, and eval only in dev", () => {
    const csp = directives(contentSecurityPolicy({ dev: true, emulatorOrigin: 'http://127.0.0.1:8787/' }));
    expect(csp['script-src']).toContain('http://127.0.0.1:8787');
    expect(csp['script-src']).toContain("'unsafe-eval'");
    expect(csp['connect-src']).toContain('http://127.0.0.1:8787');
    expect(csp['img-src']).not.toContain('http://127.0.0.1:8787');
  });

  it('comes with nosniff and a referrer policy that keeps the origin for Klaviyo allow lists', () => {
    const headers = Object.fromEntries(securityHeaders({ dev: false }).map((h) => [h.key, h.value]));
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Referrer-Policy']).toBe('strict-origin-when-cross-origin');
  });
});
