// The widget keeps its own copy of the router's JSON contract (it must not pull core into a
// browser bundle). This file makes the copy unable to drift: `pnpm typecheck` fails when a field
// is added, removed or retyped on either side, or when a code joins or leaves core's ERROR_CODES
// without the widget's list (src/error-codes.ts, which the messages test walks) following.
// Type-only: nothing here runs or ships (test-support is excluded from the build), and core is
// only a devDependency of this package.
import type * as Core from '@jobcannon/hubspot-core';
import type * as Widget from '../types.js';

/** `true` only when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const contractMatchesCore: [
  Same<Widget.IntegrationStatusReport, Core.IntegrationStatusReport>,
  Same<Widget.BootstrapReport, Core.BootstrapReport>,
  Same<Widget.FailurePage, Core.FailurePage>,
  Same<Widget.FailureItem, Core.FailureItem>,
  Same<Widget.LastError, Core.LastError>,
  Same<Widget.QueueCounts, Core.QueueCounts>,
  Same<Widget.SetupProgress, NonNullable<Core.IntegrationStatusReport['setup']>>,
  Same<Widget.RecentPush, Core.IntegrationStatusReport['recentPushes'][number]>,
  Same<Widget.BackfillStatus, NonNullable<Core.IntegrationStatusReport['backfill']>>,
  Same<Widget.DismissResult, Awaited<ReturnType<Core.HubSpotIntegration['dismissFailures']>>>,
  Same<Widget.SyncResult, Awaited<ReturnType<Core.HubSpotIntegration['syncNow']>>>,
  Same<Widget.IntegrationStatus, Core.IntegrationStatus>,
  // Core's index does not export ErrorDetails by name; it is what a failure carries.
  Same<Widget.ErrorDetails, Core.FailureItem['details']>,
  Same<Widget.HubSpotKitErrorCode, Core.HubSpotKitErrorCode>,
  Same<Widget.HubSpotKitErrorCode, keyof typeof Core.ERROR_CODES>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
