export {
  controlKeyOf,
  describeHalt,
  HaltBoard,
  haltedDecision,
  haltTargetOf,
  haltReasonCodes,
  isHaltReasonCode,
  scopeProblem,
  type Halt,
  type HaltReasonCode,
  type HaltTarget,
} from './halt-board';
