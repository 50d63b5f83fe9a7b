import Link from 'next/link';
import type { ReactNode } from 'react';
import ui from '../ui.module.css';

export function PageHeader({
  title,
  subtitle,
  crumbs,
  actions,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  crumbs?: { href: string; label: string }[];
  actions?: ReactNode;
}) {
  return (
    <header className={ui.header}>
      <div>
        {crumbs && (
          <nav className={ui.crumbs} aria-label="Breadcrumb">
            {crumbs.map((c) => (
              <span key={c.href}>
                <Link href={c.href}>{c.label}</Link> /{' '}
              </span>
            ))}
          </nav>
        )}
        <h1 className={ui.title}>{title}</h1>
        {subtitle && <p className={ui.subtitle}>{subtitle}</p>}
      </div>
      {actions && <div className={ui.actions}>{actions}</div>}
    </header>
  );
}

export function Card({
  title,
  action,
  children,
  flush,
  className,
  testId,
}: {
  title?: ReactNode;
  action?: ReactNode;
  children: ReactNode;
  flush?: boolean;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={[ui.card, className].filter(Boolean).join(' ')} data-testid={testId}>
      {(title || action) && (
        <div className={ui.cardHead}>
          {title && <h2 className={ui.cardTitle}>{title}</h2>}
          {action}
        </div>
      )}
      {flush ? children : <div className={ui.cardBody}>{children}</div>}
    </section>
  );
}

export function Stat({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  testId?: string;
}) {
  return (
    <section className={`${ui.card} ${ui.stat}`} data-testid={testId}>
      <div className={ui.statLabel}>{label}</div>
      <div className={ui.statValue}>{value}</div>
      {hint && <div className={ui.statHint}>{hint}</div>}
    </section>
  );
}

export type Tone = 'green' | 'amber' | 'blue' | 'red' | 'gray';

export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`${ui.badge} ${ui[`tone-${tone}`]}`}>{children}</span>;
}

/** The colour a Klaviyo or outbox status is shown in. */
export function toneOf(status: string | null | undefined): Tone {
  const s = (status ?? '').toLowerCase();
  if (['live', 'sent', 'delivered', 'valid', 'granted', 'enabled', 'active'].includes(s)) return 'green';
  if (s.startsWith('cancel') || ['dead', 'invalid', 'missing', 'failed'].includes(s)) return 'red';
  if (['sending', 'retrying', 'manual', 'adding recipients'].includes(s)) return 'blue';
  if (['scheduled', 'pending', 'preparing to send', 'preparing to schedule'].includes(s)) return 'amber';
  return 'gray';
}
