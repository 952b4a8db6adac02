-- Audit store: the views. They hold no data, so each is dropped and created again at every
-- start-up: a changed definition here reaches every existing database without a migration step.
-- (DROP TABLE, because 18.16 has no DROP VIEW; IF NOT EXISTS, because two audit instances may
-- start at once.) {database} is replaced as in 001_events.sql.
--
-- The production-gate views count only events whose gate attestation verified: an event forged
-- onto an internal topic stays visible in `events`, marked, but never moves a gate metric.

-- Production gate: how many proposals end executed, and how many write actions end failed or unknown.
DROP TABLE IF EXISTS {database}.outcome_rates;
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
  WHERE topic = 'airlock.proposals.outcomes' AND attestation = 'verified'
)
GROUP BY day, agent_id, tool;

-- Production gate: what one successful action costs. Executed events carry the action's cost.
DROP TABLE IF EXISTS {database}.cost_per_success;
CREATE VIEW IF NOT EXISTS {database}.cost_per_success AS
SELECT
  toDate(event_time) AS day,
  agent_id,
  tool,
  count() AS executed,
  sum(cost_usd) AS total_cost_usd,
  total_cost_usd / executed AS cost_per_success_usd
FROM {database}.events FINAL
WHERE topic = 'airlock.actions.executed' AND attestation = 'verified'
GROUP BY day, agent_id, tool;

-- Production gate: share of events that arrived with a W3C trace context. Agents' submissions are
-- not gate-attested, so they are left out: anyone could write untraced junk to lower the rate.
DROP TABLE IF EXISTS {database}.trace_coverage;
CREATE VIEW IF NOT EXISTS {database}.trace_coverage AS
SELECT
  toDate(event_time) AS day,
  count() AS events,
  countIf(trace_id != '') AS traced_events,
  traced_events / events AS trace_coverage
FROM {database}.events FINAL
WHERE attestation = 'verified'
GROUP BY day;

-- What audit could not record as events, per day, topic and reason: a rising count is either an
-- attack or a producer bug, and either way someone should look at the rows.
DROP TABLE IF EXISTS {database}.quarantine_counts;
CREATE VIEW IF NOT EXISTS {database}.quarantine_counts AS
SELECT
  toDate(received_at) AS day,
  topic,
  reason_code,
  count() AS messages
FROM {database}.quarantine FINAL
GROUP BY day, topic, reason_code;

-- Spend by day, team, agent and tool or model: each executed tool call at what it cost (what the
-- tool reported where it reports it, its price otherwise), and each usage report at what budget
-- priced it. A row is a tool's (model empty) or a model's (tool empty). `team` is the run's team
-- as the gates saw it (the launcher's ticket's, else the agent's). The model is read from budget's
-- own event, whose payload carries no agent-written keys, so the first "model" in it is budget's.
DROP TABLE IF EXISTS {database}.spend_by_day;
CREATE VIEW IF NOT EXISTS {database}.spend_by_day AS
SELECT
  toDate(event_time) AS day,
  team,
  agent_id,
  tool,
  model,
  countIf(model = '') AS tool_calls,
  countIf(model != '') AS usage_reports,
  sum(cost_usd) AS spend_usd
FROM (
  SELECT event_time, team, agent_id, tool, '' AS model, cost_usd
  FROM {database}.events FINAL
  WHERE topic = 'airlock.actions.executed' AND attestation = 'verified'
  UNION ALL
  SELECT event_time, team, agent_id, '' AS tool, visitParamExtractString(payload, 'model') AS model, cost_usd
  FROM {database}.events FINAL
  WHERE topic = 'airlock.usage.accounted' AND attestation = 'verified'
)
GROUP BY day, team, agent_id, tool, model;

-- Shadow mode: where a candidate bundle (AIRLOCK_SHADOW_BUNDLE_DIR of the policy service) decided
-- otherwise than the active one, per day, candidate, agent and tool. The active decision and the
-- candidate's hash are read from policy's own event, whose payload carries no agent-written keys.
DROP TABLE IF EXISTS {database}.shadow_disagreements;
CREATE VIEW IF NOT EXISTS {database}.shadow_disagreements AS
SELECT
  toDate(event_time) AS day,
  visitParamExtractString(payload, 'candidate_bundle_hash') AS candidate_bundle_hash,
  agent_id,
  tool,
  visitParamExtractString(payload, 'active_decision') AS active_decision,
  decision AS candidate_decision,
  count() AS proposals
FROM {database}.events FINAL
WHERE topic = 'airlock.policy.shadow' AND attestation = 'verified'
GROUP BY day, candidate_bundle_hash, agent_id, tool, active_decision, candidate_decision;
