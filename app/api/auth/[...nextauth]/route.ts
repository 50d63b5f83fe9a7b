import type { NextRequest } from 'next/server';
import NextAuth from 'next-auth';
import { getAuthOptions } from '@/lib/auth/config';

export const runtime = 'nodejs';

type Context = { params: Promise<{ nextauth: string[] }> };

// next-auth v4's App Router handler; the options are built on first request from lib/env.ts.
function handler(request: NextRequest, context: Context) {
  return NextAuth(request, context, getAuthOptions());
}

export { handler as GET, handler as POST };
