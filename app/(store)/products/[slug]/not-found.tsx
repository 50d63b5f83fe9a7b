import Link from 'next/link';

export default function ProductNotFound() {
  return (
    <div className="page empty-page">
      <p className="eyebrow">Not found</p>
      <h1 className="page-title">We can’t find that product</h1>
      <p className="page-lead">It may have sold through for the season, or the link may be mistyped.</p>
      <Link href="/collections/all" className="button button--primary">
        Browse all products
      </Link>
    </div>
  );
}
