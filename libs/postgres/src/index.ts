export * from './service-store';
