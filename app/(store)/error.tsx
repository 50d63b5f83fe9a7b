'use client';

import Link from 'next/link';
import { useEffect } from 'react';

/**
 * A store page failed on the server (the database was unreachable, say). The shopper gets a way to
 * retry; the details stay in the server log, identified by the digest.
 */
export default function StoreError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="page empty-page" role="alert">
      <p className="eyebrow">Something went wrong</p>
      <h1 className="page-title">This page didn’t load</h1>
      <p className="page-lead">
        It’s us, not you. Please try again in a moment.
        {error.digest ? <span className="muted"> (Reference {error.digest})</span> : null}
      </p>
      <div className="hero__actions">
        <button type="button" className="button button--primary" onClick={reset}>
          Try again
        </button>
        <Link href="/" className="button button--secondary">
          Go to the home page
        </Link>
      </div>
    </div>
  );
}
