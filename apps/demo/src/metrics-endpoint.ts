import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as PrometheusExporterModule from '@opentelemetry/exporter-prometheus';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';

/** The demo's OpenTelemetry metrics: a MeterProvider the kit writes to, read by Prometheus at /metrics. */
export interface MetricsEndpoint {
  /** Handed to `createHubSpotIntegration({ metrics: { meterProvider } })`. */
  readonly meterProvider: MeterProvider;
  /** Answers a scrape: the text exposition format (`text/plain; version=0.0.4`). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/**
 * OpenTelemetry's Prometheus exporter as a pull reader on the demo's own server (no second port:
 * `preventServerStart`), so a scrape of `/metrics` collects the kit's figures at that moment.
 * Scoped to this provider, not registered globally: the demo's process-wide OpenTelemetry state
 * stays untouched for whatever else runs in it (the tests start several demos in one process).
 */
export function createMetricsEndpoint(): MetricsEndpoint {
  const { PrometheusExporter } = requireOpenTelemetry<typeof PrometheusExporterModule>('@opentelemetry/exporter-prometheus');
  const { MeterProvider: SdkMeterProvider } = requireOpenTelemetry<typeof SdkMetrics>('@opentelemetry/sdk-metrics');
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const meterProvider = new SdkMeterProvider({ readers: [exporter] });
  return {
    meterProvider,
    handle: (req, res) => exporter.getMetricsRequestHandler(req, res),
    close: () => meterProvider.shutdown(),
  };
}

const require = createRequire(import.meta.url);

/**
 * Loads an OpenTelemetry package through Node. When Node runs with the bundler condition `module`
 * (vitest passes its SSR conditions to Node), `@opentelemetry/api` resolves to its bundler build,
 * whose extensionless ESM imports Node cannot load, and the SDK's CommonJS `require` of it fails;
 * that path is pointed at the API's CommonJS build first, which is what plain `node` picks.
 */
function requireOpenTelemetry<T>(name: string): T {
  const resolved = require.resolve('@opentelemetry/api');
  const esm = `${path.sep}build${path.sep}esm${path.sep}`;
  if (resolved.includes(esm) && require.cache[resolved] === undefined) {
    const commonJs = resolved.replace(esm, `${path.sep}build${path.sep}src${path.sep}`);
    require(commonJs);
    require.cache[resolved] = require.cache[commonJs];
  }
  return require(name) as T;
}
