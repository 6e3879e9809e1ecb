// Types of core's backfill contract that core's entry point does not export (yet): derived here from
// the ones it does, so this package still uses core only through its public entry point. When core
// exports `BackfillStatus`, `BackfillRunResult` and `CompletedInviteSource`, import those instead.
import type { HubSpotIntegration, HubSpotIntegrationOptions } from '@jobcannon/hubspot-core';

/** core's `BackfillStatus`: the org's backfill (state, counts, measured rate, ETA). */
export type BackfillStatus = Awaited<ReturnType<HubSpotIntegration['startBackfill']>>;
/** core's `BackfillRunResult`: what one `runBackfill` did. */
export type BackfillRunResult = Awaited<ReturnType<HubSpotIntegration['runBackfill']>>;
/** core's `CompletedInviteSource`: `{ count(orgId), pages(orgId, cursor) }`, the host's completed invites. */
export type CompletedInviteSource = NonNullable<HubSpotIntegrationOptions['backfill']>['source'];
