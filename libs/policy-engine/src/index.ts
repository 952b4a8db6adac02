export {
  createPolicyEngine,
  type PolicyEngine,
  type PolicyCondition,
  type PolicyEngineInput,
  type PolicyVerdict,
  type WhoCanAnswer,
} from './policy-engine';
export { PolicyLoadError, type PolicySources } from './policy-set-loading';
export { estimateCostUsd } from './cost-estimate';
export { emptyRunHistory, historyContext, recordCall, type RunHistory } from './run-history';
export { runPolicyTests, type PolicyTestResult, type PolicyTestSuite } from './policy-tests';
export { backtest, type BacktestChange, type RecordedDecision } from './backtest';
