import type { RawConfig } from '../config/schema.js';
import type { ControlStore } from './repository.js';
import { PostgresControlStore } from './postgres/repository.js';
import { openPostgres } from './postgres/database.js';
import { SqliteControlStore } from './sqlite/repository.js';
import { openSqlite } from './sqlite/database.js';

export const isPostgresUrl = (url: string | undefined): boolean => url !== undefined && /^postgres(ql)?:\/\//.test(url);

/** PostgreSQL when `database_url` is a postgres URL, else the embedded SQLite file in the data dir. */
export async function openControlStore(storage: RawConfig['storage']): Promise<ControlStore> {
  const url = storage.database_url;
  if (isPostgresUrl(url)) return new PostgresControlStore(await openPostgres(url!));
  return new SqliteControlStore(openSqlite(storage.data_dir));
}
