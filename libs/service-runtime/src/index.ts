export * from './json-logger';
export * from './service-config';
export * from './service-bootstrap';
export * from './health-endpoint';
export * from './bearer-auth';
