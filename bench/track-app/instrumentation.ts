/**
 * Nothing to do at start (the bench migrates before `next start`). Built with `turbopack.root` at the
 * repository, an app without an instrumentation.ts of its own gets the demo's compiled in by Next.js,
 * which would check the demo's settings at start.
 */
export async function register(): Promise<void> {}
