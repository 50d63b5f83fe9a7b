/**
 * The hosts klaviyo.js and its forms need, as Klaviyo lists them for a Content-Security-Policy in its own
 * Next.js skill, references/csp.md (docs/klaviyo-notes.md#content-security-policy). Nothing else of Klaviyo's
 * is admitted: the API and script hosts of the emulator are added only when it stands in for Klaviyo.
 */
export const KLAVIYO_CSP_HOSTS = {
  script: ['https://static.klaviyo.com', 'https://static-tracking.klaviyo.com'],
  connect: ['https://a.klaviyo.com', 'https://fast.a.klaviyo.com', 'https://static-forms.klaviyo.com'],
  style: ['https://static-tracking.klaviyo.com', 'https://fonts.googleapis.com'],
  font: ['https://fonts.gstatic.com'],
  img: ['https://d3k81ch9hvuctc.cloudfront.net'],
} as const;

export interface CspOptions {
  /** `next dev`: React's development build evaluates strings (`'unsafe-eval'`); never in production. */
  dev: boolean;
  /** The emulator's origin when it stands in for Klaviyo (it serves klaviyo.js and answers /client/*). */
  emulatorOrigin?: string;
}

/**
 * One policy for every page. Scripts: this origin and Klaviyo's script hosts, plus `'unsafe-inline'`
 * because the App Router streams its payload in inline scripts; without nonces (which force every page
 * to render dynamically, Next.js CSP guide) that is the only way to keep static pages. Klaviyo's own
 * inline snippet is not needed: the pre-load queue is bundled (lib/klaviyo-next/onsite/queue.ts). Hosts are
 * listed without `'strict-dynamic'`, which would make the browser ignore them.
 */
export function contentSecurityPolicy({ dev, emulatorOrigin }: CspOptions): string {
  const emulator = emulatorOrigin ? [new URL(emulatorOrigin).origin] : [];
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': [
      "'self'",
      "'unsafe-inline'",
      ...(dev ? ["'unsafe-eval'"] : []),
      ...KLAVIYO_CSP_HOSTS.script,
      ...emulator,
    ],
    'connect-src': ["'self'", ...KLAVIYO_CSP_HOSTS.connect, ...emulator],
    // Klaviyo forms and React's style attributes are inline styles.
    'style-src': ["'self'", "'unsafe-inline'", ...KLAVIYO_CSP_HOSTS.style],
    'font-src': ["'self'", ...KLAVIYO_CSP_HOSTS.font],
    'img-src': ["'self'", 'data:', 'blob:', ...KLAVIYO_CSP_HOSTS.img],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** The security headers for next.config.mjs `headers()`. */
export function securityHeaders(options: CspOptions): { key: string; value: string }[] {
  return [
    { key: 'Content-Security-Policy', value: contentSecurityPolicy(options) },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    // Klaviyo's public-key allow list checks the referrer's origin
    // (docs/klaviyo-notes.md#content-security-policy).
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  ];
}
