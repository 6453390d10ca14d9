import { useEffect, useState } from 'react';

/** Hash routes (`#/requests/abc`): the page URL stays `…/ui/`, so any path prefix works without server help. */
export function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [parts, setParts] = useState(read);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `read` only reads the location; subscribe once
  useEffect(() => {
    const on = () => setParts(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parts;
}

export const go = (path: string): void => {
  window.location.hash = `#/${path}`;
};
