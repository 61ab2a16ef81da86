// Client-side sorting of the rows a table shows, with PatternFly's Th `sort` props.

import { useState } from 'react';
import type { ThProps } from '@patternfly/react-table';

type ThSort = NonNullable<ThProps['sort']>;

export function useSort<T>(columns: readonly ((row: T) => string | number)[], initial = -1) {
  const [index, setIndex] = useState<number>(initial);
  const [direction, setDirection] = useState<'asc' | 'desc'>('asc');
  const sortBy = (columnIndex: number): ThSort => ({
    sortBy: index < 0 ? {} : { index, direction },
    onSort: (_event, next, nextDirection) => {
      setIndex(next);
      setDirection(nextDirection);
    },
    columnIndex,
  });
  const sort = (rows: readonly T[]): T[] => {
    const key = columns[index];
    if (key === undefined) return [...rows];
    return [...rows].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const order =
        typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return direction === 'asc' ? order : -order;
    });
  };
  return { sortBy, sort };
}
