/**
 * Runs once when the Next.js server starts: in development, prints the generated admin password
 * (lib/auth/dev-password.ts) so a fresh clone can sign in to /admin.
 */
export async function register() {
  // biome-ignore lint/style/noProcessEnv: NEXT_RUNTIME is set by Next.js itself to say which runtime is starting; it is not configuration.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { announceDevAdminLogin } = await import('./lib/auth/dev-password');
  announceDevAdminLogin();
}
