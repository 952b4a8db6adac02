-- Audit store: the tables. {database} is replaced by the audit service before it runs these
-- statements (airlock, or airlock_<namespace>); it is not a server-side parameter, which 18.16 lacks.
-- Statements end with ';' at the end of a line: that is how the loader splits them. Every file runs
-- at each start-up in name order, so every statement here must be idempotent.
--
-- An `events` table of the layout before ADR 0007 (sorted by run_id, event_id) is renamed to
-- events_retired_<yyyymmddhhmmss> by the audit service before this file runs (ClickHouse cannot
-- change a sorting key in place); the statement below then creates the current one.

CREATE DATABASE IF NOT EXISTS {database};

-- One row per event, identified by (topic, event id, attestation status): the same id on another
-- topic is another event, and an unverified copy of an id neither replaces nor hides the verified
-- event (ADR 0007). A redelivered event has the same key and collapses on merge; read with FINAL
-- to see each event once before merges happen. The attestation columns are hashed with the rest,
-- so the chain proves what audit found when it checked each event.
-- event_time is pinned to UTC so the text written (and hashed) reads back identically whatever the
-- server's time zone. Partitions follow the time audit received the event (inserted_at, which the
-- writer always sets: 18.16 does not apply DEFAULTs to JSONEachRow input), not event_time, which
-- the sender chooses: forged times across a century must not fan one insert out over a hundred
-- partitions, which current releases refuse.
CREATE TABLE IF NOT EXISTS {database}.events (
  event_id String,
  event_type String,
  topic String,
  event_time DateTime('UTC'),
  run_id String,
  proposal_id String,
  agent_id String,
  tool String,
  team String,
  decision String,
  outcome String,
  reason_code String,
  reasons Array(String),
  policy_ids Array(String),
  bundle_hash String,
  cost_usd Float64,
  trace_id String,
  payload String,
  attested_by String,
  attestation String,
  attestation_error String,
  seq UInt64,
  prev_hash String,
  hash String,
  inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(inserted_at)
ORDER BY (run_id, topic, event_id, attestation);

-- What audit consumed but could not store as an event row: unparseable messages, times DateTime
-- cannot hold, text that cannot be hashed or stored, rows ClickHouse refused. Kept raw (base64),
-- unredacted, with the reason: grant access to it as to any raw payload. A redelivered message has
-- the same key and collapses on merge. Retention: drop old monthly partitions (18.16 has no TTL).
CREATE TABLE IF NOT EXISTS {database}.quarantine (
  received_at DateTime('UTC'),
  topic String,
  kafka_partition Int32,
  kafka_offset String,
  kafka_key String,
  reason_code String,
  reason String,
  raw_value_base64 String,
  raw_value_sha256 String
) ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (topic, kafka_partition, kafka_offset, raw_value_sha256);

-- The risk class of each tool, from the bundle the audit service loaded: events do not carry it,
-- and the critical error rate counts failures of write tools only.
CREATE TABLE IF NOT EXISTS {database}.tool_risk (
  tool String,
  risk String,
  bundle_hash String,
  inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY tool;
