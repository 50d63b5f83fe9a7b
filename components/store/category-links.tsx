import Link from 'next/link';

export type CategoryLink = { slug: string; name: string };

/** The list of collection links the header and the footer both show, led by the whole catalogue. */
export function CategoryLinks({
  categories,
  allLabel,
}: {
  categories: readonly CategoryLink[];
  allLabel: string;
}) {
  return (
    <ul>
      <li>
        <Link href="/collections/all">{allLabel}</Link>
      </li>
      {categories.map((c) => (
        <li key={c.slug}>
          <Link href={`/collections/${c.slug}`}>{c.name}</Link>
        </li>
      ))}
    </ul>
  );
}
