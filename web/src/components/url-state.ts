// A view's filters, page and selection in the URL's search parameters, so any view can be linked.

import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import { formatFilter, parseFilter, type FilterClause } from './filter-query.ts';

export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const get = useCallback((key: string) => params.get(key) ?? '', [params]);
  const set = useCallback(
    (changes: Record<string, string | number | null>) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          return next;
        },
        { replace: false },
      );
    },
    [setParams],
  );
  const clauses = parseFilter(get('q'));
  const setClauses = (next: readonly FilterClause[]) => set({ q: formatFilter(next), page: null });
  return { get, set, clauses, setClauses, query: formatFilter(clauses) };
}
