export * from './telemetry-sdk';
export * from './kafka-trace-context';
