import { index, sqliteTable, primaryKey, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ix, pk, uq } from '../naming.js';
import { baseColumns, json, str } from './columns.js';

/** Key/value settings the library keeps in the database itself (e.g. a generated encryption key). */
export const configuration = sqliteTable(
  'configuration',
  {
    ...baseColumns(),
    key: str('key').notNull(),
    value: json('value').notNull(),
  },
  (t) => [
    primaryKey({ name: pk('configuration'), columns: [t.id] }),
    uniqueIndex(uq('configuration', 'key')).on(t.key),
    index(ix('configuration', 'updated')).on(t.updated),
  ],
);
