import { MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';

/** Collects on demand, as a Prometheus scrape would. */
export class ScrapeReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One collection, by metric name; a callback's error fails the test. */
export async function scrape(reader: ScrapeReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return new Map(
    resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((m) => [m.descriptor.name, m]),
  );
}

export const points = (metric: MetricData | undefined): DataPoint<unknown>[] =>
  (metric?.dataPoints ?? []) as DataPoint<unknown>[];
