export { usdToMicro, microToUsd, formatUsd } from './money';
export { decideReservation, releaseReservation, type RunUsage, type ReservationDecision } from './run-budget';
