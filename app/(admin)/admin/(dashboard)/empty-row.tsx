import type { ReactNode } from 'react';
import ui from '@/components/klaviyo-admin/ui.module.css';

/** The one row of an admin table that has nothing to list, across all its `columns`. */
export function EmptyRow({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={columns} className={ui.muted}>
        {children}
      </td>
    </tr>
  );
}
