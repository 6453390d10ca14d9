import { describeFsError } from '../config/providers.js';

/** An error with the step of start-up it happened in, so its one line can say what failed. */
export class StartupFailure extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${oneLine(cause)}`);
    this.name = 'StartupFailure';
  }
}

/** Runs one start-up step, labelling whatever it throws. */
export async function step<T>(label: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof StartupFailure ? err : new StartupFailure(label, err);
  }
}

type Errno = NodeJS.ErrnoException & { address?: string; port?: number };

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** SQLite result codes (better-sqlite3 `SqliteError.code`) worth their own words. */
const SQLITE: Record<string, string> = {
  SQLITE_NOTADB: 'the file is not a SQLite database (corrupt, or another kind of file)',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_READONLY: 'the database is read-only (check the data dir permissions)',
  SQLITE_CANTOPEN: 'the database file cannot be opened (check the data dir exists and is writable)',
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'an I/O error occurred',
  SQLITE_PERM: 'permission denied',
};

/** PostgreSQL SQLSTATE codes a misconfigured DATABASE_URL produces. */
const POSTGRES: Record<string, string> = {
  '28P01': 'password authentication failed',
  '28000': 'the role may not log in',
  '3D000': 'the database does not exist',
  '42501': 'permission denied',
  '57P03': 'the server is starting up or shutting down',
};

/** The shortest accurate description of why start-up failed, on one line. */
export function oneLine(err: unknown): string {
  if (err instanceof StartupFailure) return err.message;
  const e = err as Errno;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'EADDRINUSE')
    return `address ${e.address ?? ''}:${e.port ?? ''} is already in use (another process listens there: stop it or choose another port)`;
  if (code === 'EADDRNOTAVAIL') return `address ${e.address ?? ''} is not available on this machine`;
  if (code === 'EACCES' && e.syscall === 'listen')
    return `permission denied to listen on ${e.address ?? ''}:${e.port ?? ''} (ports below 1024 need privileges)`;
  if (code && NETWORK[code]) return `${NETWORK[code]}${e.address ? ` (${e.address}${e.port ? `:${e.port}` : ''})` : ''}`;
  if (code && SQLITE[code]) return SQLITE[code];
  if (code && POSTGRES[code]) return POSTGRES[code];
  if (code && e.path) return `${verb(e.syscall)} ${e.path}: ${describeFsError(err)}`;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AggregateError && err.errors.length > 0) return oneLine(err.errors[0]);
  return message.split('\n')[0];
}

function verb(syscall: string | undefined): string {
  switch (syscall) {
    case 'open':
      return 'cannot open';
    case 'mkdir':
      return 'cannot create';
    case 'chmod':
      return 'cannot change the mode of';
    case 'read':
      return 'cannot read';
    default:
      return 'cannot use';
  }
}
