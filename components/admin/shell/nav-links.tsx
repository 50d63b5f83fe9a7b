'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { Icon, type IconName } from '../../klaviyo-admin/ui/icons';
import styles from '../shell.module.css';

const SECTIONS: { title: string; links: { href: string; label: string; icon: IconName }[] }[] = [
  { title: 'Performance', links: [{ href: '/admin', label: 'Overview', icon: 'overview' }] },
  {
    title: 'Audience',
    links: [
      { href: '/admin/lists', label: 'Lists', icon: 'lists' },
      { href: '/admin/segments', label: 'Segments', icon: 'segments' },
      { href: '/admin/customers', label: 'Customers', icon: 'lists' },
    ],
  },
  {
    title: 'Store',
    links: [
      { href: '/admin/products', label: 'Products', icon: 'segments' },
      { href: '/admin/orders', label: 'Orders', icon: 'inbox' },
      { href: '/admin/subscriptions', label: 'Subscriptions', icon: 'refresh' },
    ],
  },
  {
    title: 'Marketing',
    links: [
      { href: '/admin/campaigns', label: 'Campaigns', icon: 'campaigns' },
      { href: '/admin/flows', label: 'Flows', icon: 'flows' },
    ],
  },
  {
    title: 'Integration',
    links: [
      { href: '/admin/delivery', label: 'Delivery', icon: 'delivery' },
      { href: '/admin/catalog', label: 'Catalog', icon: 'refresh' },
      { href: '/admin/settings', label: 'Settings', icon: 'settings' },
    ],
  },
];

export function NavLinks() {
  const pathname = usePathname();
  const active = (href: string) => (href === '/admin' ? pathname === href : pathname.startsWith(href));
  return (
    <nav aria-label="Admin">
      {SECTIONS.map((section) => (
        <div key={section.title}>
          <div className={styles.navSection}>{section.title}</div>
          {section.links.map((link) => (
            <Link
              key={link.href}
              href={link.href}
              className={`${styles.navLink} ${active(link.href) ? styles.navActive : ''}`}
              aria-current={active(link.href) ? 'page' : undefined}
            >
              <Icon name={link.icon} />
              {link.label}
            </Link>
          ))}
        </div>
      ))}
    </nav>
  );
}
