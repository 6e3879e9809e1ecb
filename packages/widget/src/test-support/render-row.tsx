import { render, screen, type RenderResult } from '@testing-library/react';
// The named export: under NodeNext the default one types as the CJS module namespace.
import { userEvent, type UserEvent } from '@testing-library/user-event';
import { vi, type Mock } from 'vitest';
import { HubSpotIntegrationRow, type HubSpotIntegrationRowProps } from '../hubspot-integration-row.js';
import type { IntegrationStatusReport } from '../types.js';
import { BASE_URL, createFakeFetch, NOW, statusReport, type FakeFetch } from './fake-fetch.js';

export interface RenderRowOptions {
  /** What `GET /status` answers (default: a healthy connected org). */
  status?: IntegrationStatusReport;
  fake?: FakeFetch;
  /** Set up user-event for fake timers. */
  fakeTimers?: boolean;
}

export interface RenderedRow extends RenderResult {
  fake: FakeFetch;
  navigate: Mock<(url: string) => void>;
  user: UserEvent;
}

/** Renders the row against a fake router, with navigation captured and the clock fixed. */
export function renderRow(props: Partial<HubSpotIntegrationRowProps> = {}, options: RenderRowOptions = {}): RenderedRow {
  const fake = options.fake ?? createFakeFetch({ 'GET /status': { body: options.status ?? statusReport() } });
  const navigate = vi.fn<(url: string) => void>();
  const user = userEvent.setup(options.fakeTimers ? { advanceTimers: (ms) => vi.advanceTimersByTime(ms) } : {});
  const result = render(
    <HubSpotIntegrationRow baseUrl={BASE_URL} fetch={fake.fetch} navigate={navigate} now={() => NOW} search="" clearOAuthParams={false} {...props} />,
  );
  return { ...result, fake, navigate, user };
}

/** The status pill (its visible label follows a visually hidden "HubSpot status:" prefix). */
export function getPill(): HTMLElement {
  const prefix = screen.getByText('HubSpot status:', { exact: false });
  return prefix.parentElement!;
}

/** The root element of the row. */
export function getRoot(): HTMLElement {
  return screen.getByRole('region', { name: 'HubSpot' });
}
