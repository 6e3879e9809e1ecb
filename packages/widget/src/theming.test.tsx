import { cleanup, screen, waitFor } from '@testing-library/react';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { statusReport } from './test-support/fake-fetch.js';
import { getPill, getRoot, renderRow } from './test-support/render-row.js';

afterEach(cleanup);

const failing = statusReport({ queue: { pending: 0, failed: 1, held: 0 } });

describe('theming hooks', () => {
  it('default class names on every slot, plus className on the root', async () => {
    renderRow({ className: 'host-row' }, { status: failing });
    await screen.findByRole('alert');
    const root = getRoot();
    expect(root.className).toBe('jc-hs host-row');
    expect(getPill().className).toBe('jc-hs__pill');
    expect(screen.getByRole('alert').className).toBe('jc-hs__banner');
    expect(screen.getByRole('button', { name: 'Disconnect' }).className).toBe('jc-hs__button');
    expect(root.querySelector('svg')!.getAttribute('class')).toBe('jc-hs__logo');
  });

  it('classNames adds per-slot classes, including inside the drawer', async () => {
    const { user } = renderRow(
      { classNames: { root: 'r', pill: 'p', banner: 'b', button: 'btn', drawer: 'd', table: 't', actions: 'a', notice: 'n' } },
      { status: failing },
    );
    await screen.findByRole('alert');
    expect(getRoot().className).toBe('jc-hs r');
    expect(getPill().className).toBe('jc-hs__pill p');
    expect(screen.getByRole('alert').className).toBe('jc-hs__banner b');
    expect(screen.getByRole('button', { name: 'Disconnect' }).className).toBe('jc-hs__button btn');
    expect(screen.getAllByRole('status').some((el) => el.className === 'jc-hs__notice n')).toBe(true);
    await user.click(screen.getByRole('button', { name: 'View 1 failed' }));
    expect(screen.getByRole('dialog', { name: /^Failed results/ }).className).toBe('jc-hs__drawer d');
  });

  it('unstyled drops every default class but keeps the host classes and data attributes', async () => {
    const { container } = renderRow({ unstyled: true, className: 'host-row', classNames: { pill: 'p' } }, { status: failing });
    await screen.findByRole('alert');
    expect(container.querySelectorAll('[class*="jc-hs"]')).toHaveLength(0);
    expect(getRoot().className).toBe('host-row');
    expect(getPill().className).toBe('p');
    expect(getRoot().dataset.state).toBe('error');
    expect(getPill().dataset.state).toBe('error');
    expect(screen.getByRole('alert').dataset.tone).toBe('error');
    expect(screen.getByRole('button', { name: 'View 1 failed' }).dataset.variant).toBe('primary');
  });

  it.each([
    ['connected', statusReport()],
    ['syncing', statusReport({ syncing: true, queue: { pending: 3, failed: 0, held: 0 } })],
    ['syncing', statusReport({ syncing: false, queue: { pending: 3, failed: 0, held: 0 } })],
    ['error', statusReport({ syncing: true, queue: { pending: 3, failed: 1, held: 0 } })],
    ['must_reconnect', statusReport({ status: 'must_reconnect' })],
    ['not_connected', statusReport({ status: 'disconnected' })],
  ] as const)('data-state="%s" on root and pill', async (state, status) => {
    renderRow({ pollIntervalMs: 0 }, { status });
    await waitFor(() => expect(getRoot().dataset.state).toBe(state));
    expect(getPill().dataset.state).toBe(state);
  });

  it('the stylesheet keeps everything in the jobcannon-hubspot layer and defines the documented variables', () => {
    const css = readFileSync(`${import.meta.dirname}/styles.css`, 'utf8');
    const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '').trim();
    expect(withoutComments.startsWith('@layer jobcannon-hubspot {')).toBe(true);
    expect(withoutComments.endsWith('}')).toBe(true);
    for (const variable of ['--jc-hs-accent', '--jc-hs-ok', '--jc-hs-error', '--jc-hs-radius', '--jc-hs-font-mono', '--jc-hs-font-size']) {
      expect(css).toContain(`${variable}:`);
    }
    expect(css).toContain('var(--jc-hs-font, inherit)');
    expect(css).toMatch(/:focus-visible\s*{\s*outline:/);
  });

  it('headingLevel sets the heading rank', async () => {
    renderRow({ headingLevel: 2 });
    expect(screen.getByRole('heading', { name: 'HubSpot', level: 2 })).toBeTruthy();
    await waitFor(() => expect(getPill().textContent).toBe('HubSpot status: Connected'));
  });
});
