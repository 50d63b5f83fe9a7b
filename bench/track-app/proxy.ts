import { NextResponse } from 'next/server';

/**
 * A proxy that runs for no route of this app. Built with `turbopack.root` at the repository, an app
 * without a proxy.ts of its own gets the repository's (the demo's) compiled in by Next.js 16.4, which
 * would add its work to every request measured here.
 */
export function proxy() {
  return NextResponse.next();
}

export const config = { matcher: '/__never' };
