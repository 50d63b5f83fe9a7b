/** Shown while a store page renders on the server: the shape of a product grid, not a spinner. */
export default function StoreLoading() {
  return (
    <div className="page" aria-busy="true" aria-live="polite">
      <p className="visually-hidden">Loading…</p>
      <div className="skeleton skeleton--title" />
      <ul className="grid" aria-hidden="true">
        {Array.from({ length: 8 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
          <li key={i}>
            <div className="skeleton skeleton--card" />
            <div className="skeleton skeleton--line" />
            <div className="skeleton skeleton--line skeleton--short" />
          </li>
        ))}
      </ul>
    </div>
  );
}
