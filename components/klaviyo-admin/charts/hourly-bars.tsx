import styles from '../charts.module.css';

const W = 640;
const H = 200;
const PAD = { top: 12, right: 8, bottom: 26, left: 36 };

/** A step that gives 3–5 gridlines: 1, 2, 5, 10, 20, 50... */
function niceStep(max: number): number {
  const raw = Math.max(1, max) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Math.max(1, step);
}

const hourLabel = (ms: number) => new Date(ms).toLocaleTimeString('en-US', { hour: 'numeric' });

/**
 * Events delivered per hour as an SVG bar chart: no chart library, so nothing is added to the
 * bundle, and it renders on the server as well as the client.
 */
export function HourlyBars({ data }: { data: { hour: number; count: number }[] }) {
  const max = Math.max(0, ...data.map((d) => d.count));
  const step = niceStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, data.length);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  return (
    <svg className={styles.chart} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Events delivered per hour">
      {ticks.map((t) => (
        <g key={t}>
          <line className={styles.gridLine} x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text className={styles.axisLabel} x={PAD.left - 8} y={y(t) + 4} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      {data.map((d, i) => {
        const x = PAD.left + i * slot + slot * 0.18;
        const h = Math.max(d.count > 0 ? 2 : 3, plotH - (y(d.count) - PAD.top));
        return (
          <g key={d.hour}>
            <rect
              className={d.count > 0 ? styles.bar : styles.barEmpty}
              x={x}
              y={PAD.top + plotH - h}
              width={slot * 0.64}
              height={h}
              rx={3}
            >
              <title>{`${hourLabel(d.hour)}: ${d.count} delivered`}</title>
            </rect>
            {i % 4 === 0 && (
              <text className={styles.axisLabel} x={x + slot * 0.32} y={H - 6} textAnchor="middle">
                {hourLabel(d.hour)}
              </text>
            )}
          </g>
        );
      })}
      {max === 0 && (
        <text
          className={styles.axisLabel}
          x={PAD.left + plotW / 2}
          y={PAD.top + plotH / 2}
          textAnchor="middle"
          style={{ fontSize: 13 }}
        >
          No events delivered in the last 24 hours
        </text>
      )}
    </svg>
  );
}
