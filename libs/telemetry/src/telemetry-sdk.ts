import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry for one service. The exporter is chosen by the standard OTEL_* variables
 * (OTEL_TRACES_EXPORTER=otlp|console, OTEL_EXPORTER_OTLP_ENDPOINT, ...) and is off by default.
 * Even with no exporter we register a tracer provider: without one, spans are no-ops, a proposal
 * that arrives without a traceparent gets no trace id, and nothing would join logs, spans and
 * ClickHouse rows.
 */
export function startTelemetry(serviceName: string): void {
  if (sdk !== undefined) return;
  const exporters = (process.env['OTEL_TRACES_EXPORTER'] ?? '').trim();
  const exportDisabled = exporters === '' || exporters === 'none';
  sdk = new NodeSDK({
    serviceName,
    ...(exportDisabled ? { spanProcessors: [new NoopSpanProcessor()] } : {}),
    instrumentations: [],
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
