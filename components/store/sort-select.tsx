'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';

/** The collection's sort order, kept in the URL (`?sort=`) so the server renders the sorted grid. */
export function SortSelect({ options, value }: { options: { key: string; label: string }[]; value: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  return (
    <div className="sort">
      <label htmlFor="sort">Sort by</label>
      <select
        id="sort"
        className="input input--select input--compact"
        value={value}
        onChange={(e) => {
          const next = new URLSearchParams(params);
          if (e.currentTarget.value === 'featured') next.delete('sort');
          else next.set('sort', e.currentTarget.value);
          const query = next.toString();
          router.push(query ? `${pathname}?${query}` : pathname, { scroll: false });
        }}
      >
        {options.map((o) => (
          <option key={o.key} value={o.key}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
