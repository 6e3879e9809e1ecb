import { describe, expect, it } from 'vitest';
import { emailProblem } from './email-rules.js';

describe('emailProblem', () => {
  it('accepts what HubSpot accepts', () => {
    expect(emailProblem('ada.lovelace@example.com')).toBeNull();
    expect(emailProblem('o+tag@sub.example.co.uk')).toBeNull();
  });

  it.each([
    ['', /Enter the candidate/],
    [' ada@example.com', /space/],
    ['ada@example.com ', /space/],
    ['ada.example.com', /not an email address/],
    ['ada@@example.com', /not an email address/],
    [`${'a'.repeat(300)}@example.com`, /300 characters; HubSpot accepts at most 64/],
    [`ada@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`, /at most 254/],
    ['ada@localhost', /no top-level domain/],
    ['ada@example.test', /“\.test” is not a top-level domain/],
    ['ann@example.con', /“\.con” is not a top-level domain/],
    ['ad(a)@example.com', /not an email address HubSpot accepts/],
  ])('refuses %j with the reason', (email, reason) => {
    expect(emailProblem(email)).toMatch(reason);
  });
});
