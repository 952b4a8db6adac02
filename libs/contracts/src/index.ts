export * from './generated/events';
export * from './topics';
export * from './envelope';
export * from './payload-validation';
export * from './outcome-reasons';
export * from './bundle-validation';
export * from './airlock-error';
export * from './json-hygiene';
