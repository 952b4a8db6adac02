-- Audit store. {database} is replaced by the audit service before it runs these statements
-- (airlock, or airlock_<namespace>); it is not a server-side parameter, which 18.16 lacks.
-- Statements end with ';' at the end of a line: that is how the loader splits them.

CREATE DATABASE IF NOT EXISTS {database};

-- One row per event. Redelivered events carry the same (run_id, event_id) and collapse on merge;
-- read with FINAL to see each event once before merges happen. event_time is pinned to UTC so the
-- text written (and hashed) reads back identically whatever the server's time zone.
CREATE TABLE IF NOT EXISTS {database}.events (
  event_id String,
  event_type String,
  topic String,
  event_time DateTime('UTC'),
  run_id String,
  proposal_id String,
  agent_id String,
  tool String,
  decision String,
  outcome String,
  reason_code String,
  reasons Array(String),
  policy_ids Array(String),
  bundle_hash String,
  cost_usd Float64,
  trace_id String,
  payload String,
  seq UInt64,
  prev_hash String,
  hash String,
  inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (run_id, event_id);

-- The risk class of each tool, from the bundle the audit service loaded: events do not carry it,
-- and the critical error rate counts failures of write tools only.
CREATE TABLE IF NOT EXISTS {database}.tool_risk (
  tool String,
  risk String,
  bundle_hash String,
  inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY tool;

-- Production gate: how many proposals end executed, and how many write actions end failed or unknown.
CREATE VIEW IF NOT EXISTS {database}.outcome_rates AS
SELECT
  toDate(event_time) AS day,
  agent_id,
  tool,
  count() AS proposals,
  countIf(outcome = 'executed') AS executed,
  countIf(is_write) AS write_proposals,
  countIf(is_write AND outcome IN ('failed', 'unknown')) AS critical_errors,
  executed / proposals AS completion_rate,
  if(write_proposals = 0, 0, critical_errors / write_proposals) AS critical_error_rate
FROM (
  SELECT event_time, agent_id, tool, outcome,
    tool IN (SELECT tool FROM {database}.tool_risk FINAL WHERE risk = 'write') AS is_write
  FROM {database}.events FINAL
  WHERE topic = 'airlock.proposals.outcomes'
)
GROUP BY day, agent_id, tool;

-- Production gate: what one successful action costs. Executed events carry the action's cost.
CREATE VIEW IF NOT EXISTS {database}.cost_per_success AS
SELECT
  toDate(event_time) AS day,
  agent_id,
  tool,
  count() AS executed,
  sum(cost_usd) AS total_cost_usd,
  total_cost_usd / executed AS cost_per_success_usd
FROM {database}.events FINAL
WHERE topic = 'airlock.actions.executed'
GROUP BY day, agent_id, tool;

-- Production gate: share of events that arrived with a W3C trace context.
CREATE VIEW IF NOT EXISTS {database}.trace_coverage AS
SELECT
  toDate(event_time) AS day,
  count() AS events,
  countIf(trace_id != '') AS traced_events,
  traced_events / events AS trace_coverage
FROM {database}.events FINAL
GROUP BY day;
