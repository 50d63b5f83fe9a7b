'use client';

import { useEffect, useRef } from 'react';
import {
  type CollectionSnapshot,
  newViewId,
  onsiteProperties,
  type SearchSnapshot,
  submittedSearch,
  viewedCollection,
} from '@/lib/klaviyo-next/browser';
import { useOnsite } from './use-klaviyo';

/**
 * Runs `send` once per `view` shown, with a new page view id: StrictMode runs effects twice on the
 * same instance and the ref survives that; a real remount (a new visit) is a new view, as in
 * TrackViewedProduct.
 */
function useOncePerView(view: string, send: (viewId: string) => void) {
  const tracked = useRef('');
  useEffect(() => {
    if (tracked.current === view) return;
    tracked.current = view;
    send(newViewId());
  }, [view, send]);
}

/**
 * Viewed Collection once per collection page shown, through klaviyo.js and the relay with one view id,
 * so both copies carry the same unique_id. The relay is sent the handle only and looks the rest up.
 */
export function TrackViewedCollection({ collection }: { collection: CollectionSnapshot }) {
  const onsite = useOnsite();
  useOncePerView(collection.collectionId, (viewId) => {
    const event = viewedCollection(collection, { profile: {}, viewId, at: new Date().toISOString() });
    void onsite.track(event.metric, onsiteProperties(event));
    void onsite.relay({ metric: event.metric, collection: collection.handle, viewId });
  });
  return null;
}

/**
 * Submitted Search once per search shown (a new term is a new search). The relay is sent the term
 * only: it runs the store's search itself and counts the results.
 */
export function TrackSubmittedSearch({ search }: { search: SearchSnapshot }) {
  const onsite = useOnsite();
  useOncePerView(search.term, (viewId) => {
    const event = submittedSearch(search, { profile: {}, viewId, at: new Date().toISOString() });
    void onsite.track(event.metric, onsiteProperties(event));
    void onsite.relay({ metric: event.metric, term: search.term, viewId });
  });
  return null;
}
