import styles from '../charts.module.css';

/** A ranked list with proportional bars (top campaigns or flows by revenue). */
export function RankedBars({
  rows,
  color,
}: {
  rows: { id: string; name: string; value: number; label: string }[];
  color: string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <ul className={styles.ranked}>
      {rows.map((r) => (
        <li key={r.id} className={styles.rankedRow}>
          <span className={styles.rankedName} title={r.name}>
            {r.name}
          </span>
          <span className={styles.rankedValue}>{r.label}</span>
          <span className={styles.track}>
            <span
              className={styles.fill}
              style={{ display: 'block', width: `${(r.value / max) * 100}%`, background: color }}
            />
          </span>
        </li>
      ))}
    </ul>
  );
}

/** One bar split into coloured parts, with a legend (campaign vs flow revenue; outbox states). */
export function SplitBar({
  parts,
  label,
}: {
  parts: { key: string; label: string; value: number; color: string; text: string }[];
  label: string;
}) {
  const total = parts.reduce((a, p) => a + p.value, 0);
  return (
    <div>
      <div className={styles.split} role="img" aria-label={label}>
        {parts.map((p) =>
          p.value > 0 ? (
            <span
              key={p.key}
              style={{ width: `${(p.value / total) * 100}%`, background: p.color }}
              title={`${p.label}: ${p.text}`}
            />
          ) : null,
        )}
      </div>
      <div className={styles.legend}>
        {parts.map((p) => (
          <span key={p.key} className={styles.legendItem}>
            <span className={styles.swatch} style={{ background: p.color }} />
            {p.label} <strong>{p.text}</strong>
          </span>
        ))}
      </div>
    </div>
  );
}
