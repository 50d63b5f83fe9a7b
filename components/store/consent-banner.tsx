'use client';

import type { Consent } from '@/components/klaviyo';

/**
 * The cookie banner: marketing cookies (klaviyo.js) only with a yes. Not modal: the shop stays usable
 * while it is open, and nothing is tracked until the shopper answers. Both choices are equally easy.
 */
export function ConsentBanner({
  current,
  onChoose,
  onClose,
}: {
  current: Consent;
  onChoose: (choice: 'granted' | 'denied') => void;
  onClose: () => void;
}) {
  return (
    <section
      className="consent-banner"
      aria-labelledby="consent-banner-title"
      aria-describedby="consent-banner-text"
    >
      <h2 id="consent-banner-title" className="consent-banner__title">
        Cookies, with your permission
      </h2>
      <p id="consent-banner-text">
        We’d like to use marketing cookies (Klaviyo) to remember what you browse and send you more useful
        emails, like a reminder about the bag you left behind. Essential cookies for your bag and sign-in are
        always on.
        {current !== 'pending' ? (
          <>
            {' '}
            You have currently <strong>{current === 'granted' ? 'accepted' : 'declined'}</strong> them.
          </>
        ) : null}
      </p>
      <div className="consent-banner__actions">
        <button type="button" className="button button--secondary" onClick={() => onChoose('denied')}>
          Decline
        </button>
        <button type="button" className="button button--primary" onClick={() => onChoose('granted')}>
          Accept
        </button>
        {current !== 'pending' ? (
          <button type="button" className="link-button" onClick={onClose}>
            Close
          </button>
        ) : null}
      </div>
    </section>
  );
}
