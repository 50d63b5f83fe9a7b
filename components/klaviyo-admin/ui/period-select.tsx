'use client';

import { PERIOD_LABELS, PERIODS, type Period } from '@/lib/klaviyo-next/browser';
import ui from '../ui.module.css';

export function PeriodSelect({ value, onChange }: { value: Period; onChange: (period: Period) => void }) {
  return (
    <select
      className={ui.select}
      value={value}
      aria-label="Reporting period"
      data-testid="period-select"
      onChange={(e) => onChange(e.target.value as Period)}
    >
      {PERIODS.map((p) => (
        <option key={p} value={p}>
          {PERIOD_LABELS[p]}
        </option>
      ))}
    </select>
  );
}

/** Keeps a view's filter in the address bar, so a reload or a shared link shows the same thing. */
export function replaceSearchParam(name: string, value: string | undefined): void {
  const url = new URL(window.location.href);
  if (value) url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  window.history.replaceState(null, '', url);
}
