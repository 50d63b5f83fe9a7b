import type { ReactNode } from 'react';
import ui from '../ui.module.css';
import { Icon, type IconName } from './icons';

export function EmptyState({
  icon = 'inbox',
  title,
  children,
  action,
}: {
  icon?: IconName;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className={ui.state} data-testid="empty-state">
      <div className={ui.stateIcon}>
        <Icon name={icon} />
      </div>
      <p className={ui.stateTitle}>{title}</p>
      {children && <p className={ui.stateText}>{children}</p>}
      {action}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <div className={ui.state} role="alert" data-testid="error-state">
      <div
        className={ui.stateIcon}
        style={{ background: 'var(--admin-danger-soft)', color: 'var(--admin-danger)' }}
      >
        <Icon name="alert" />
      </div>
      <p className={ui.stateTitle}>Could not load this</p>
      <p className={ui.stateText}>{message}</p>
      {onRetry && (
        <button type="button" className={ui.button} onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

const WIDTHS = ['62%', '48%', '70%', '55%', '40%', '66%'];

/** Placeholder rows while a table loads. */
export function SkeletonRows({ columns, rows = 6 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <tr key={r}>
          {Array.from({ length: columns }, (_, c) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
            <td key={c}>
              <span className={ui.skeleton} style={{ width: WIDTHS[(r + c) % WIDTHS.length] }} />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

export function SkeletonBlock({ height = 160 }: { height?: number }) {
  return <span className={ui.skeleton} style={{ height, width: '100%' }} aria-hidden="true" />;
}
