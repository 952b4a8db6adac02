export { usdToMicro, microToUsd, formatUsd } from './money';
export {
  decideReservation,
  effectiveRunLimits,
  releaseReservation,
  runLimitsProblem,
  type RunUsage,
  type ReservationDecision,
} from './run-budget';
export { priceUsage, type PricedUsage } from './inference';
export {
  chargesFor,
  decideLimits,
  inferenceCapsPassed,
  inferenceCharges,
  inLockOrder,
  ledgerKey,
  measureOf,
  meterValue,
  reportedCostUsd,
  refundOfSettled,
  settlementOf,
  windowStart,
  type Charge,
  type ChargedCall,
  type LimitMeasure,
  type LimitRefusalCode,
  type UsageKey,
} from './limits';
export {
  decideStoppingRules,
  identicalCallsRule,
  stoppingRuleCharges,
  type StoppingDecision,
  type StoppingRules,
} from './stopping-rules';
export { standingKeys, standingOf, type LimitStanding } from './standing';
export { spendStandings, type DailySpend, type SpendStanding } from './spend-standing';
