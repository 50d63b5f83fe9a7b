'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';

/**
 * Follows an abandoned-cart link (`/cart?restore=<id>`): a page render cannot set cookies, so this asks
 * the `restoreCart` action to, once, then shows the cart without the parameter.
 */
export function RestoreCart({
  cartId,
  restore,
}: {
  cartId: string;
  restore: (cartId: string) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const started = useRef(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    restore(cartId).then((result) => {
      if (result.ok) router.replace('/cart');
      else setError(result.error.message);
    });
  }, [cartId, restore, router]);
  return (
    <p className={error ? 'notice' : 'notice notice--quiet'} role="status">
      {error ?? 'Restoring your bag…'}
    </p>
  );
}
