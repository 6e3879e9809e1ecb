/**
 * Whether an error means "the database cannot be reached" (exit 3) rather than a bug: refused or
 * unreachable host, unknown database, rejected credentials, server starting or shutting down, or
 * knex giving up on getting a connection.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
// SQLSTATE: 3D000 no such database, 28000/28P01 authentication, 57P01-57P03 shutdown/starting, 53300 too many connections, 08xxx connection exceptions.
const SQLSTATE = /^(3D000|28000|28P01|57P0[123]|53300|08\d{3})$/;

export function isDatabaseUnreachable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, name, message, errors } = error as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
  if (name === 'KnexTimeoutError') return true;
  if (typeof message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)) return true;
  // pg reports every address it tried (localhost: ::1 and 127.0.0.1) in an AggregateError.
  return Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnreachable);
}

/** PostgreSQL's "relation does not exist": the host has not run core's migrations on this database. */
export function isMissingTable(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { code?: unknown }).code === '42P01';
}
