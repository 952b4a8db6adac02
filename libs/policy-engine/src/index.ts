export {
  createPolicyEngine,
  type PolicyEngine,
  type PolicyEngineInput,
  type PolicyVerdict,
} from './policy-engine';
export { PolicyLoadError, policyTextsById, type PolicySources } from './policy-set-loading';
export { estimateCostUsd } from './cost-estimate';
export { emptyRunHistory, historyContext, recordCall, recordResult, type RunHistory } from './run-history';
export { type ResultFact } from './result-facts';
export { runPolicyTests, type PolicyTestResult, type PolicyTestSuite } from './policy-tests';
export { backtest, type BacktestChange, type RecordedDecision } from './backtest';
export { type ApprovalAsked, type PolicyCondition, type WhoCanAnswer } from './who-can';
export { EntityOverlay, entityKeyOf, entityProblem, entityTopicKeyOf } from './entity-overlay';
