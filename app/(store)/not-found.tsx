import Link from 'next/link';

export default function StoreNotFound() {
  return (
    <div className="page empty-page">
      <p className="eyebrow">404</p>
      <h1 className="page-title">We can’t find that page</h1>
      <p className="page-lead">The link may be old or mistyped.</p>
      <Link href="/collections/all" className="button button--primary">
        Browse the shop
      </Link>
    </div>
  );
}
