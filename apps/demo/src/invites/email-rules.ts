import { isValidEmail } from '@jobcannon/hubspot-emulator';

/**
 * Why HubSpot would refuse this email, in a sentence for the invite form; null when it would take
 * it. HubSpot's rules are the emulator's (`isValidEmail`: syntax, no whitespace at all, at most 64
 * characters before the @ and 254 in all, a top-level domain that exists); the checks before it
 * only find the words for the reason. Checked before the invite is stored, so a typo is fixed while
 * the person is still at the form instead of failing at HubSpot weeks later.
 */
export function emailProblem(email: string): string | null {
  if (email.length === 0) return 'Enter the candidate’s email address.';
  if (/\s/.test(email)) return 'The email address contains a space; HubSpot refuses addresses with spaces.';
  const at = email.lastIndexOf('@');
  if (at <= 0 || at !== email.indexOf('@') || at === email.length - 1) return `“${email}” is not an email address (one @ between a name and a domain, like ada@example.com).`;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64) return `The part before the @ has ${local.length} characters; HubSpot accepts at most 64.`;
  if (email.length > 254) return `The address has ${email.length} characters; HubSpot accepts at most 254.`;
  const labels = domain.split('.');
  if (labels.length < 2) return `The domain “${domain}” has no top-level domain (like .com).`;
  const tld = labels[labels.length - 1]!.toLowerCase();
  if (isValidEmail(email)) return null;
  if (isValidEmail(`${local}@${labels.slice(0, -1).join('.')}.com`)) return `“.${tld}” is not a top-level domain that exists (a typo for .com?); HubSpot refuses the address.`;
  return `“${email}” is not an email address HubSpot accepts (letters, digits and . _ % + - before the @, a real domain after it).`;
}
