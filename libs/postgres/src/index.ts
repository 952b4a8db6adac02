export * from './service-store';
export * from './test-store-schema';
export * from './status-check';
