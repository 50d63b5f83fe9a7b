import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';

/**
 * The real OpenTelemetry SDK as a host registers it, reading into memory instead of exporting: the
 * plugin's instruments are read back after `collect()`. The interval is an hour, so nothing is read
 * but when a test asks.
 */
export function memoryMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });

  /** Collects now and returns each instrument's data points by name. */
  async function collect() {
    exporter.reset();
    await reader.forceFlush();
    const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const points = (name: string) =>
      (metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as DataPoint<unknown>[];
    return {
      names: metrics.map((m) => m.descriptor.name),
      unit: (name: string) => metrics.find((m) => m.descriptor.name === name)?.descriptor.unit,
      /** A counter's or gauge's value for the data point whose attributes include `attributes`. */
      value(name: string, attributes: Record<string, string> = {}): number | undefined {
        const point = points(name).find((p) =>
          Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
        );
        return point === undefined ? undefined : Number(point.value);
      },
      /** Every data point's value of a counter summed, whatever its attributes. */
      sum: (name: string) => points(name).reduce((total, p) => total + Number(p.value), 0),
      histogram: (name: string) => points(name)[0]?.value as Histogram | undefined,
    };
  }
  return { meterProvider, collect, shutdown: () => meterProvider.shutdown() };
}
