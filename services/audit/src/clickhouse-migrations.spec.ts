import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findClickHouseSchemaDir,
  retiredEventsTableName,
  schemaStatements,
  splitStatements,
} from './clickhouse-migrations';

describe('splitStatements', () => {
  it('splits on semicolons at the end of a line and drops comment lines and blanks', () => {
    const sql =
      '-- a comment; not a statement\nCREATE DATABASE x;\n\nCREATE TABLE x.t (a String)\nENGINE = Memory;  \r\nSELECT 1';
    expect(splitStatements(sql)).toEqual([
      'CREATE DATABASE x',
      'CREATE TABLE x.t (a String)\nENGINE = Memory',
      'SELECT 1',
    ]);
  });

  it('keeps a semicolon that is inside a line', () => {
    expect(splitStatements("SELECT 'a;b' AS x;\n")).toEqual(["SELECT 'a;b' AS x"]);
  });
});

describe('the repository schema', () => {
  it('is found from this directory and names only the chosen database', () => {
    const dir = findClickHouseSchemaDir(__dirname);
    expect(existsSync(join(dir, '001_events.sql'))).toBe(true);
    const statements = schemaStatements(
      'CREATE DATABASE IF NOT EXISTS {database};\nCREATE VIEW {database}.v AS SELECT 1 FROM {database}.events;',
      'airlock_t',
    );
    expect(statements).toEqual([
      'CREATE DATABASE IF NOT EXISTS airlock_t',
      'CREATE VIEW airlock_t.v AS SELECT 1 FROM airlock_t.events',
    ]);
  });

  it('reports where it looked when there is no schema directory above', () => {
    expect(() => findClickHouseSchemaDir('/')).toThrow(/no schemas\/clickhouse directory above \//);
  });
});

describe('retiredEventsTableName', () => {
  it('dates the retired table to the second, in UTC', () => {
    expect(retiredEventsTableName(new Date('2024-05-01T14:03:09.999+02:00'))).toBe(
      'events_retired_20240501120309',
    );
  });
});

describe('the schema files', () => {
  const dir = findClickHouseSchemaDir(__dirname);
  const sql = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => splitStatements(readFileSync(join(dir, file), 'utf8')).join('\n'))
    .join('\n');

  it('use nothing that ClickHouse 18.16 lacks', () => {
    for (const feature of [
      /\bTTL\b/i,
      /DateTime64/i,
      /LowCardinality/i,
      /\bOVER\s*\(/i,
      /^\s*WITH\b/im,
      /DROP VIEW/i,
      /\{\w+:\w+\}/,
    ]) {
      expect(sql).not.toMatch(feature);
    }
  });

  it('create every view only after dropping it, so a changed definition reaches existing databases', () => {
    const created = [...sql.matchAll(/CREATE VIEW IF NOT EXISTS \{database\}\.(\w+)/g)].map(
      (match) => match[1],
    );
    const dropped = [...sql.matchAll(/DROP TABLE IF EXISTS \{database\}\.(\w+)/g)].map((match) => match[1]);
    expect(created.length).toBeGreaterThan(0);
    expect(dropped).toEqual(created);
  });
});
