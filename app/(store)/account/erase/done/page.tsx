import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Your data is erased', robots: { index: false } };

/** Where a shopper lands after erasing her data: she is signed out, and nothing of hers is shown. */
export default function ErasedPage() {
  return (
    <div className="page page--narrow">
      <header className="page-head">
        <p className="eyebrow">Done</p>
        <h1 className="page-title">Your data is erased</h1>
        <p className="page-lead">
          Your account and your personal details are gone from our store, and Klaviyo has been asked to delete
          your profile. You have been signed out.
        </p>
      </header>
      <Link href="/" className="button button--primary">
        Back to the shop
      </Link>
    </div>
  );
}
