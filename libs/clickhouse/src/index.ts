export * from './clickhouse-http';
