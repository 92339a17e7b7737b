import type { Snippet } from 'svelte';

/** One column of a DataTable: how to label, size, sort and draw it. */
export interface Column<T> {
  key: string;
  label: string;
  /** Default width in px; the user may resize it (remembered per table). */
  width: number;
  minWidth?: number;
  align?: 'start' | 'end' | 'center';
  sortable?: boolean;
  /** Takes the spare width (one column per table). */
  grow?: boolean;
  cell: Snippet<[T, number]>;
}

export interface TableSort {
  column: string;
  direction: 'asc' | 'desc';
}
