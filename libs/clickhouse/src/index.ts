export * from './clickhouse-errors';
export * from './clickhouse-http';
