import { useMemo, useState, type ReactNode } from 'react';

export interface Column<T> {
  readonly key: string;
  readonly label: string;
  readonly value: (row: T) => string | number | null;
  readonly render?: (row: T) => ReactNode;
  readonly numeric?: boolean;
}

/** A table sortable by any column (click or Enter on the header). */
export function SortableTable<T>(props: {
  columns: readonly Column<T>[];
  rows: readonly T[];
  initialSort?: { key: string; desc: boolean };
  rowKey: (row: T) => string;
  caption: string;
}) {
  const [sort, setSort] = useState(props.initialSort ?? { key: props.columns[0].key, desc: false });
  const sorted = useMemo(() => {
    const col = props.columns.find((c) => c.key === sort.key) ?? props.columns[0];
    const rows = [...props.rows];
    rows.sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sort.desc ? -c : c;
    });
    return rows;
  }, [props.rows, props.columns, sort]);
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const active = c.key === sort.key;
              return (
                <th
                  key={c.key}
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                >
                  <button
                    type="button"
                    className="sort"
                    onClick={() => setSort({ key: c.key, desc: active ? !sort.desc : c.numeric === true })}
                  >
                    {c.label}
                    {active ? (sort.desc ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.key} className={c.numeric ? 'num' : undefined}>
                  {c.render ? c.render(row) : (c.value(row) ?? '—')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
