import { describe, expect, it } from 'vitest';
import { isValidEmail } from './email-validation.js';
import { KNOWN_TLDS } from './tlds.js';

describe('isValidEmail', () => {
  it.each(['ada@example.com', 'Ada.Lovelace@Example.COM', 'a+tag@sub.example.co.uk', 'x@acme.io', 'o\'brien@firma.de', 'dev@startup.ai', 'a@b.xn--p1ai'])('accepts %s', (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    ['name@domain.con', 'unknown TLD con'],
    ['name@domain.cpm', 'unknown TLD cpm'],
    ['name@domain.ik', 'unknown ccTLD ik'],
    ['ada@example.com ', 'trailing space'],
    [' ada@example.com', 'leading space'],
    ['ada @example.com', 'inner space'],
    ['ada@example', 'no TLD'],
    ['ada.example.com', 'no @'],
    ['a@b@example.com', 'two @'],
    ['.ada@example.com', 'leading dot'],
    ['ada..b@example.com', 'double dot'],
    ['ada@-example.com', 'label starting with hyphen'],
    ['', 'empty'],
    ['ada@example.test', 'reserved TLD test'],
  ])('rejects %s (%s)', (email) => {
    expect(isValidEmail(email)).toBe(false);
  });

  it('accepts extra TLDs a host allows', () => {
    expect(isValidEmail('ada@example.test', new Set(['test']))).toBe(true);
  });

  it('knows every common country code and none of the typo TLDs', () => {
    for (const tld of ['uk', 'de', 'fr', 'us', 'io', 'ai', 'co', 'in', 'jp', 'br', 'au', 'nl']) expect(KNOWN_TLDS.has(tld)).toBe(true);
    for (const tld of ['con', 'cpm', 'ik', 'cm0', 'comm']) expect(KNOWN_TLDS.has(tld)).toBe(false);
  });
});
