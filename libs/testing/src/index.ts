export * from './local-infra';
export * from './stand-in-api';
export * from './service-process';
export * from './kafka-test-clients';
export * from './airlock-stack';
export * from './wait-until';
export * from './use-airlock-stack';
