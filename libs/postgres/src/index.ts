export * from './service-store';
export * from './test-store-schema';
