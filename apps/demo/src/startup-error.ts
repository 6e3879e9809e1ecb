/**
 * A failure the person starting the demo can fix (port taken, database unreachable, key missing).
 * `server.ts` prints its message alone, without a stack trace, and exits 1.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
