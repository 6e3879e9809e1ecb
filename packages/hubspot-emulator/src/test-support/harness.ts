import { createManualClock, type ManualClock } from '../clock.js';
import { startEmulator, type Emulator } from '../server.js';
import type { EmulatorOptions } from '../types.js';

// Starts an emulator on an ephemeral port with a manual clock and a ready token for hub 1001, and
// gives tests a small fetch wrapper. Excluded from the build (tsconfig.build.json).

export const REDIRECT_URI = 'http://localhost:3000/oauth/callback';

export interface CallResult {
  status: number;
  headers: Headers;
  // Response bodies are asserted field by field in tests; typing every HubSpot shape here would
  // only restate the assertions.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  /** Raw body text (sent as is, for malformed JSON and form tests). */
  raw?: string;
  /** Bearer token; `null` sends none. Default: the harness token. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface Harness {
  emulator: Emulator;
  clock: ManualClock;
  /** Access token for hub 1001 with the default scopes. */
  token: string;
  refreshToken: string;
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  form(path: string, fields: Record<string, string>): Promise<CallResult>;
  close(): Promise<void>;
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const clock = createManualClock(Date.UTC(2026, 4, 17, 12, 0, 0));
  const emulator = await startEmulator({ seed: 'test', clock, ...options });
  const tokens = emulator.issueTokens({ hubId: 1001 });
  const harness: Harness = {
    emulator,
    clock,
    token: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      const token = callOptions.token === undefined ? harness.token : callOptions.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (callOptions.raw !== undefined) body = callOptions.raw;
      else if (callOptions.body !== undefined) body = JSON.stringify(callOptions.body);
      if (body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      const response = await fetch(`${emulator.url}${path}`, { method, headers, body, redirect: 'manual' });
      const text = await response.text();
      let parsed: unknown = undefined;
      if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    form(path, fields) {
      return harness.call('POST', path, { raw: new URLSearchParams(fields).toString(), token: null, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    },
    close: () => emulator.close(),
  };
  return harness;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A JobCannon-style group + the properties a test needs, created through the API. */
export async function createJcProperties(harness: Harness): Promise<void> {
  const group = await harness.call('POST', '/crm/v3/properties/contacts/groups', { body: { name: 'jobcannon_assessments', label: 'JobCannon Assessments' } });
  if (group.status !== 201) throw new Error(`group create failed: ${group.text}`);
  const inputs = [
    { name: 'jc_disc_d', label: 'JC DISC — Dominance', type: 'number', fieldType: 'number' },
    { name: 'jc_mbti_type', label: 'JC MBTI Type', type: 'string', fieldType: 'text' },
    {
      name: 'jc_test_status',
      label: 'JC Test Status',
      type: 'enumeration',
      fieldType: 'select',
      options: [
        { label: 'Invited', value: 'invited' },
        { label: 'In progress', value: 'in_progress' },
        { label: 'Completed', value: 'completed' },
        { label: 'Expired', value: 'expired' },
      ],
    },
    { name: 'jc_completed_at', label: 'JC Completed At', type: 'datetime', fieldType: 'date' },
    { name: 'jc_invitation_id', label: 'JC Invitation ID', type: 'string', fieldType: 'text' },
  ].map((input) => ({ ...input, groupName: 'jobcannon_assessments' }));
  const created = await harness.call('POST', '/crm/v3/properties/contacts/batch/create', { body: { inputs } });
  if (created.status !== 201) throw new Error(`property create failed: ${created.text}`);
}
