// A bounded log of the emulated API calls, for tests ("what did the client send?") and for the demo.
// Secrets (tokens, client secrets, codes) never enter it: they are cut to a short prefix.

export interface RequestLogEntry {
  seq: number;
  /** Emulator-clock time, ISO. */
  at: string;
  method: string;
  /** Path and query, secrets redacted. */
  path: string;
  route: string;
  hubId?: number;
  clientId?: string;
  /** 0 when no response was sent (timeout or reset fault). */
  status: number;
  outcome?: 'timeout' | 'reset';
  fault?: string;
  correlationId?: string;
  durationMs: number;
  /** Parsed JSON or form body, secrets redacted; omitted for bodies over 256 kB. */
  requestBody?: unknown;
}

const SECRET_KEYS = new Set(['client_secret', 'code', 'refresh_token', 'access_token', 'token', 'code_verifier', 'client_assertion']);
/** Secrets proper: nothing of them is shown. Tokens keep a short prefix so log entries can be correlated. */
const FULLY_HIDDEN = new Set(['client_secret', 'code_verifier', 'client_assertion']);

export function redactSecret(value: string): string {
  return value.length <= 6 ? '[redacted]' : `${value.slice(0, 6)}…[redacted]`;
}

export function redactPath(pathAndQuery: string): string {
  const [path = '', query] = pathAndQuery.split('?', 2) as [string, string | undefined];
  const safePath = path.replace(/^(\/oauth\/v1\/(?:access|refresh)-tokens\/)([^/]+)/, (_m, prefix: string, token: string) => prefix + encodeURIComponent(redactSecret(decodeURIComponent(token))));
  if (query === undefined) return safePath;
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) {
    if (FULLY_HIDDEN.has(key)) params.set(key, '[redacted]');
    else if (SECRET_KEYS.has(key)) params.set(key, redactSecret(params.get(key) ?? ''));
  }
  return `${safePath}?${params.toString()}`;
}

export function redactForm(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form) out[key] = FULLY_HIDDEN.has(key) ? '[redacted]' : SECRET_KEYS.has(key) ? redactSecret(value) : value;
  return out;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly limit: number) {}

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  list(filter: { hubId?: number; route?: string; limit?: number } = {}): RequestLogEntry[] {
    let entries = this.entries;
    if (filter.hubId !== undefined) entries = entries.filter((entry) => entry.hubId === filter.hubId);
    if (filter.route !== undefined) entries = entries.filter((entry) => entry.route === filter.route);
    if (filter.limit !== undefined) entries = entries.slice(-filter.limit);
    return entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries = [];
  }
}
