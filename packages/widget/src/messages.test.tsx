import { act, cleanup, renderHook, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanHubSpotMessage, describeCode, describeFailure, resolveMessages } from './describe.js';
import { ERROR_CODE_NAMES, WIDGET_ERROR_CODES } from './error-codes.js';
import { defaultMessages, type MessageOverrides } from './messages.js';
import { BASE_URL, createFakeFetch, failureItem, lastError, statusReport } from './test-support/fake-fetch.js';
import { getPill, renderRow } from './test-support/render-row.js';
import type { ErrorDetails } from './types.js';
import { useHubSpotIntegration } from './use-hubspot-integration.js';

afterEach(cleanup);

// Every fact core can attach, so a sentence that uses any of them is exercised.
const RICH: ErrorDetails = {
  email: 'ann@example.con',
  field: 'scores.iq',
  property: 'jc_iq_score',
  value: 190,
  hubspotMessage: 'Email address ann@example.con is invalid',
  hubspotCategory: 'VALIDATION_ERROR',
  correlationId: 'c0ffee',
  status: 400,
  lastCode: 'HUBSPOT_TIMEOUT',
};

describe('the messages table', () => {
  // ERROR_CODE_NAMES is checked against core's ERROR_CODES by the typecheck
  // (src/test-support/contract-types.ts), so this walks core's whole vocabulary.
  it.each([...ERROR_CODE_NAMES, ...WIDGET_ERROR_CODES])('%s has words, with and without details', (code) => {
    expect(Object.hasOwn(defaultMessages, code)).toBe(true);
    for (const details of [{}, RICH]) {
      const { message, action } = describeCode(defaultMessages, code, details, 'Reconnect HubSpot');
      expect(message).toMatch(/^\S.*[.!?)]$/);
      // A sentence built from missing facts must not say so.
      expect(`${message} ${action ?? ''}`).not.toMatch(/undefined|null|NaN|\[object|\{|\}/);
    }
  });

  it('the code list has no duplicates', () => {
    expect(new Set(ERROR_CODE_NAMES).size).toBe(ERROR_CODE_NAMES.length);
  });

  it.each<[string, ErrorDetails, string]>([
    ['HUBSPOT_INVALID_EMAIL', { email: 'ann@example.con' }, 'HubSpot refused the email address ann@example.con. Correct it in JobCannon and the result is sent again.'],
    ['INVALID_INVITE', { field: 'scores.disc.d', value: -4 }, "JobCannon could not send this result: the invite's scores.disc.d is not valid (-4). Correct it in JobCannon and the result is sent again."],
    ['INVALID_INVITE', { field: 'email', value: 'not an email' }, 'JobCannon could not send this result: the invite\'s email is not valid ("not an email"). Correct it in JobCannon and the result is sent again.'],
    ['RETRIES_EXHAUSTED', { lastCode: 'HUBSPOT_RATE_LIMITED' }, 'JobCannon stopped retrying this result after repeated failures. The last one: HubSpot is limiting how fast JobCannon may send data, so syncing is behind. Retry it once the cause is fixed.'],
    // A loop in the data must not loop the wording.
    ['RETRIES_EXHAUSTED', { lastCode: 'RETRIES_EXHAUSTED' }, 'JobCannon stopped retrying this result after repeated failures. The last one: JobCannon stopped retrying this result after repeated failures. Retry it once the cause is fixed.'],
    ['PROPERTIES_MISSING', { property: 'jc_disc_d' }, 'The JobCannon property jc_disc_d is missing in HubSpot - someone may have deleted it. Click Resync properties: it re-creates only what is missing and never overwrites anything.'],
  ])('%s is built from its details', (code, details, sentence) => {
    const { message, action } = describeCode(defaultMessages, code, details, 'Reconnect HubSpot');
    expect(`${message} ${action}`).toBe(sentence);
  });

  it('never shows an object value (JSON) inside a sentence', () => {
    const { message } = describeCode(defaultMessages, 'INVALID_INVITE', { field: 'scores', value: { iq: 190 } }, 'Connect HubSpot');
    expect(message).toBe("JobCannon could not send this result: the invite's scores is not valid.");
  });

  it("a failure's email comes from the item when its details lack one", () => {
    const item = failureItem(7, { details: {} });
    expect(describeFailure(item).message).toBe('HubSpot refused the email address candidate7@example.com.');
  });

  it('overrides replace entries one by one; unknown keys and undefined are ignored', () => {
    const table = resolveMessages({ FORBIDDEN: { message: 'Nur Admins.' }, retry: 'Erneut senden', nonsense: 'x', dismiss: undefined } as MessageOverrides);
    expect(table.FORBIDDEN).toEqual({ message: 'Nur Admins.' });
    expect(table.retry).toBe('Erneut senden');
    expect(table.dismiss).toBe('Dismiss');
    expect(Object.hasOwn(table, 'nonsense')).toBe(false);
    expect(resolveMessages(undefined)).toBe(defaultMessages);
  });
});

describe("HubSpot's own message", () => {
  it.each<[unknown, string | null]>([
    ['Property values were not valid: [{"isValid":false,"message":"bad"}]', 'Property values were not valid'],
    ['{"status":"error","message":"x"}', null],
    ['<html><body>Bad gateway</body></html>', null],
    ['Contact already exists. Existing ID: 1234', 'Contact already exists. Existing ID: 1234'],
    ['  spread\n over\tlines  ', 'spread over lines'],
    ['right\u202Eto left', 'right to left'],
    [42, null],
    [undefined, null],
  ])('%j reads as %j', (raw, clean) => {
    expect(cleanHubSpotMessage(raw)).toBe(clean);
  });

  it('is cut short', () => {
    const clean = cleanHubSpotMessage('word '.repeat(100))!;
    expect(clean.length).toBe(160);
    expect(clean.endsWith('…')).toBe(true);
  });
});

describe('the messages prop', () => {
  const german: MessageOverrides = {
    pill: { ...defaultMessages.pill, must_reconnect: 'Neu verbinden nötig' },
    reconnect: 'HubSpot neu verbinden',
    MUST_RECONNECT: { message: 'HubSpot hat den Zugriff verweigert.', action: (_, context) => `Klicken Sie auf ${context.button}.` },
    viewFailed: (count) => `${count} fehlgeschlagene ansehen`,
    failedResults: (count) => `${count} Ergebnisse konnten nicht gesendet werden.`,
    failedResultsAction: (button) => `Klicken Sie auf ${button}.`,
  };

  it('translates the row: labels, code sentences and the buttons they name', async () => {
    renderRow({ messages: german }, { status: statusReport({ status: 'must_reconnect', lastError: lastError('MUST_RECONNECT'), queue: { pending: 0, failed: 2, held: 0 } }) });
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual([
      'HubSpot hat den Zugriff verweigert. Klicken Sie auf HubSpot neu verbinden.',
      '2 Ergebnisse konnten nicht gesendet werden. Klicken Sie auf 2 fehlgeschlagene ansehen.',
    ]);
    expect(getPill().textContent).toBe('HubSpot status: Neu verbinden nötig');
    expect(screen.getByRole('button', { name: 'HubSpot neu verbinden' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '2 fehlgeschlagene ansehen' })).toBeTruthy();
  });

  it('translates the drawer and its failure sentences', async () => {
    const fake = createFakeFetch({
      'GET /status': { body: statusReport({ queue: { pending: 0, failed: 1, held: 0 } }) },
      'GET /failures': { body: { items: [failureItem(1, { email: 'ann@example.con', details: { email: 'ann@example.con' } })], total: 1, nextCursor: null } },
    });
    const messages: MessageOverrides = {
      failuresTitle: 'Fehlgeschlagene Ergebnisse',
      HUBSPOT_INVALID_EMAIL: { message: (details) => `HubSpot lehnt ${details.email} ab.` },
    };
    const { user } = renderRow({ messages }, { fake });
    await user.click(await screen.findByRole('button', { name: 'View 1 failed' }));
    const drawer = screen.getByRole('dialog', { name: /^Fehlgeschlagene Ergebnisse/ });
    const [, row] = await within(drawer).findAllByRole('row');
    expect(row!.textContent).toContain('HubSpot lehnt ann@example.con ab.');
    expect(row!.textContent).not.toContain('Correct it in JobCannon');
  });

  it('the headless hook words problems and failed requests with the same table', async () => {
    const fake = createFakeFetch({
      'GET /status': { body: statusReport({ status: 'must_reconnect' }) },
      'POST /disconnect': { status: 403, body: { error: { code: 'FORBIDDEN', message: 'Forbidden' } } },
    });
    const messages: MessageOverrides = { ...german, FORBIDDEN: { message: 'Nur Admins.' } };
    const { result } = renderHook(() => useHubSpotIntegration({ baseUrl: BASE_URL, fetch: fake.fetch, messages }));
    await waitFor(() => expect(result.current.problems).toHaveLength(1));
    expect(result.current.problems[0]).toMatchObject({ id: 'must_reconnect', message: 'HubSpot hat den Zugriff verweigert.', action: 'Klicken Sie auf HubSpot neu verbinden.' });
    expect(result.current.messages.reconnect).toBe('HubSpot neu verbinden');
    await act(() => result.current.actions.disconnect());
    expect(result.current.error).toMatchObject({ code: 'FORBIDDEN', message: 'Nur Admins.' });
  });
});
