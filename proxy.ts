import { type NextRequest, NextResponse } from 'next/server';

/**
 * A coarse convenience only: a browser without any next-auth session cookie that opens an admin page
 * is sent to sign-in straight away. It does not verify the cookie and guards nothing; every admin
 * page, route handler and server action checks the session itself (lib/auth). Only GET navigations
 * are redirected, so server actions (POST) always reach their own check.
 */
const SESSION_COOKIE = /^(__Secure-)?next-auth\.session-token(\.\d+)?$/;

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (request.method !== 'GET' || pathname.startsWith('/admin/sign-in')) return NextResponse.next();
  if (request.cookies.getAll().some((c) => SESSION_COOKIE.test(c.name))) return NextResponse.next();
  const url = request.nextUrl.clone();
  url.pathname = '/admin/sign-in';
  url.search = `?callbackUrl=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = { matcher: ['/admin', '/admin/:path*'] };
