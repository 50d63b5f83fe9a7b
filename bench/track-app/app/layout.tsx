import type { ReactNode } from 'react';

/** Next.js wants a root layout; the bench requests no page. */
export default function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
