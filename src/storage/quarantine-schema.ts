// Columns of `<ds>_quarantine` (spec §2.5): error columns first, then every original column as raw text.
import type { ColumnDef } from '../datafiles/types.ts';

function column(name: string, type: string, defaultExpr: string | null = null): ColumnDef {
  return { name, type, nullable: type.startsWith('Nullable('), jsonpath: null, defaultExpr, codec: null };
}

export function quarantineColumns(columns: readonly ColumnDef[]): ColumnDef[] {
  return [
    column('c__error_column', 'Array(String)'),
    column('c__error', 'Array(String)'),
    column('c__import_id', 'Nullable(String)'),
    ...columns.map((c) => column(c.name, 'Nullable(String)')),
    column('insertion_date', 'DateTime', 'now()'),
  ];
}
