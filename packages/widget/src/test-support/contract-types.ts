// The widget keeps its own copy of the router's JSON contract (it must not pull core into a
// browser bundle). This file makes the copy unable to drift: `pnpm typecheck` fails when a field
// is added, removed or retyped on either side. Type-only: nothing here runs or ships (test-support
// is excluded from the build), and core is only a devDependency of this package.
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
  Same<Widget.IntegrationStatus, Core.IntegrationStatus>,
] = [true, true, true, true, true, true, true];
