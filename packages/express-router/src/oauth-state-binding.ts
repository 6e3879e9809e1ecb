import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Binds the OAuth state core mints to the org it was minted for, so the callback can refuse a
 * signed-in member of another org BEFORE core consumes the state and exchanges the code.
 *
 * Why the router does this: core's `completeOAuth` is the only way to learn a state's org, and it
 * stores the connection in the same call; checking its result afterwards would be too late (org B's
 * admin could get a victim of org A to approve B's consent link and connect B to A's portal). So
 * `/connect` sends `<core state>.<tag>` to HubSpot, with tag = HMAC(key, state + org), and the
 * callback checks the tag against the session's org. HubSpot echoes the state verbatim; core only
 * ever sees its own part. The key is derived from the app's client secret, which every process of
 * the host shares, so this holds across instances without any storage.
 */
export interface OAuthStateBinding {
  bind(state: string, orgId: string): string;
  /** Splits what came back into core's state and the tag (null when absent). */
  split(value: string): { state: string; tag: string | null };
  matches(state: string, tag: string | null, orgId: string): boolean;
}

const SEPARATOR = '.';

export function createOAuthStateBinding(clientSecret: string): OAuthStateBinding {
  const key = createHmac('sha256', clientSecret).update('jobcannon-hubspot-express:oauth-state-binding').digest();
  const tagFor = (state: string, orgId: string) => createHmac('sha256', key).update(`${state}\n${orgId}`).digest('base64url');
  return {
    bind: (state, orgId) => `${state}${SEPARATOR}${tagFor(state, orgId)}`,
    split(value) {
      // Core's states are base64url (no dots); the tag is everything after the last one.
      const at = value.lastIndexOf(SEPARATOR);
      return at < 0 ? { state: value, tag: null } : { state: value.slice(0, at), tag: value.slice(at + 1) };
    },
    matches(state, tag, orgId) {
      if (tag === null || state === '') return false;
      const expected = Buffer.from(tagFor(state, orgId));
      const given = Buffer.from(tag);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
