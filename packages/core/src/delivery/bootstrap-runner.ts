import { HubSpotKitError, isHubSpotKitError } from '../errors.js';
import type { ConnectionState } from '../connections/connection-state.js';
import type { CrmApi } from '../hubspot/crm-api.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { BootstrapReport } from '../integration/types.js';
import { codeForFailure, detailsFromError, failureFromError } from '../retry/retry-policy.js';
import { updateConnection } from '../storage/connections-repository.js';
import type { Connection } from '../storage/rows.js';
import { PROPERTY_DEFINITIONS } from '../mapping/property-definitions.js';
import { bootstrapPortal } from './bootstrap.js';
import type { CallRunnerFactory } from './hubspot-call-runner.js';

/**
 * Runs the bootstrap for a connection and records its report and problems. `shared` is the
 * single-flight form delivery uses: every batch that meets a missing property joins the one run
 * in progress (or starts one), so fifty batches cost one bootstrap, and none skips it.
 */
export function createBootstrapRunner(ctx: IntegrationContext, deps: { crm: CrmApi; callRunnerFor: CallRunnerFactory; connectionState: ConnectionState }) {
  /** `trackSetup`: record progress for the widget ("Setting up HubSpot… n of 17"), as after a connect. */
  async function run(connection: Connection, options: { trackSetup?: boolean } = {}): Promise<BootstrapReport> {
    const setup = (state: 'running' | 'done' | 'failed', done: number, total: number) =>
      options.trackSetup ? updateConnection(ctx.db, connection.orgId, { setup: { state, done, total } }, ctx.now()).then(() => undefined) : Promise.resolve();
    let report: BootstrapReport;
    try {
      await setup('running', 0, PROPERTY_DEFINITIONS.length);
      report = await bootstrapPortal(deps.crm, deps.callRunnerFor(connection), { clock: ctx.clock, logger: ctx.logger, onProgress: (done, total) => setup('running', done, total) });
      await setup(report.ok ? 'done' : 'failed', report.created.length + report.existing.length, PROPERTY_DEFINITIONS.length);
    } catch (error) {
      await setup('failed', 0, PROPERTY_DEFINITIONS.length).catch(() => undefined);
      if (isHubSpotKitError(error)) throw error;
      const failure = failureFromError(error, ctx.clock.now());
      const code = error instanceof HubSpotCallError && error.status === 403 ? 'MISSING_SCOPES' : 'BOOTSTRAP_FAILED';
      const details = { ...detailsFromError(error), ...(failure ? { lastCode: codeForFailure(failure) } : {}) };
      const message = `Could not set up the JobCannon properties in HubSpot: ${(error as Error).message}`;
      await deps.connectionState.setProblem(connection.orgId, { code, message, details });
      throw new HubSpotKitError(code, message, { cause: error, details });
    }
    const at = ctx.now();
    await updateConnection(ctx.db, connection.orgId, { bootstrap: report }, at);
    if (!report.ok) {
      await deps.connectionState.setProblem(connection.orgId, { code: 'PROPERTIES_MISSING', message: `HubSpot did not accept these properties: ${report.missing.join(', ')}`, details: { properties: report.missing } });
    } else {
      await deps.connectionState.clearProblem(connection.orgId, ['PROPERTIES_MISSING', 'BOOTSTRAP_FAILED']);
    }
    return report;
  }

  const running = new Map<string, Promise<void>>();
  function shared(connection: Connection): Promise<void> {
    let current = running.get(connection.orgId);
    if (!current) {
      current = run(connection)
        .then(() => undefined)
        .finally(() => running.delete(connection.orgId));
      running.set(connection.orgId, current);
    }
    return current;
  }

  return { run, shared };
}

export type BootstrapRunner = ReturnType<typeof createBootstrapRunner>;
