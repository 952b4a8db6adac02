export { usdToMicro, microToUsd, formatUsd } from './money';
export { decideReservation, releaseReservation, type RunUsage, type ReservationDecision } from './run-budget';
export {
  chargesFor,
  decideLimits,
  inLockOrder,
  ledgerKey,
  meterValue,
  windowStart,
  type Charge,
  type ChargedCall,
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
