import { KNOWN_TLDS } from './tlds.js';

// Mirrors what HubSpot refuses with INVALID_EMAIL: bad syntax, any whitespace (it does not trim, a
// trailing space is an error), and a top-level domain that does not exist.

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidEmail(email: string, extraTlds: ReadonlySet<string> = new Set()): boolean {
  if (email.length === 0 || email.length > 254 || /\s/.test(email)) return false;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at !== email.indexOf('@')) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return false;
  const tld = (labels[labels.length - 1] ?? '').toLowerCase();
  if (tld.startsWith('xn--')) return true; // internationalised TLDs: all punycode ones exist only if registered, accept them
  return KNOWN_TLDS.has(tld) || extraTlds.has(tld);
}
