// Test helpers for the metrics suites: an OpenTelemetry SDK (metrics and traces) with in-memory
// exporters, and readers of what it collected. Imports SDK packages that are devDependencies only:
// never imported by runtime code.
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type { MeterProvider, MetricData } from '@opentelemetry/sdk-metrics';
import type * as SdkTrace from '@opentelemetry/sdk-trace-base';
import type { BasicTracerProvider, ReadableSpan } from '@opentelemetry/sdk-trace-base';

import { requireOpenTelemetry } from './node-resolution.js';

const { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider: SdkMeterProvider, PeriodicExportingMetricReader } = requireOpenTelemetry<typeof SdkMetrics>('@opentelemetry/sdk-metrics');
const { BasicTracerProvider: SdkTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = requireOpenTelemetry<typeof SdkTrace>('@opentelemetry/sdk-trace-base');

export interface TestTelemetry {
  meterProvider: MeterProvider;
  tracerProvider: BasicTracerProvider;
  /** Collects now and returns every metric of the collection. */
  collect(): Promise<MetricData[]>;
  spans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

export function createTestTelemetry(): TestTelemetry {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when asked (forceFlush): the interval is longer than any test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new SdkMeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new SdkTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    meterProvider,
    tracerProvider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    },
    spans: () => spanExporter.getFinishedSpans(),
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** The data points of one metric as { attributes, value } (sums and gauges; a histogram's count). */
export function points(metrics: MetricData[], name: string): Array<{ attributes: Record<string, unknown>; value: number }> {
  const metric = metrics.find((candidate) => candidate.descriptor.name === name);
  if (!metric) return [];
  return metric.dataPoints.map((point) => ({
    attributes: point.attributes as Record<string, unknown>,
    value: metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as { count: number }).count : (point.value as number),
  }));
}

/** The value of the point whose attributes include `match` (summed if several do). */
export function valueOf(metrics: MetricData[], name: string, match: Record<string, unknown> = {}): number {
  return points(metrics, name)
    .filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + point.value, 0);
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const BEARER = /bearer/i;

/** Attribute values of these spans that look like an email or a bearer token, or equal a known secret. */
export function leakedAttributes(spans: ReadableSpan[], secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.attributes)) {
      const text = String(value);
      if (EMAIL.test(text) || BEARER.test(text) || secrets.some((secret) => secret.length > 0 && text.includes(secret))) leaks.push(`${span.name} ${key}=${text}`);
    }
  }
  return leaks;
}
