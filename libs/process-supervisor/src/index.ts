export { ProcessSupervisor, type SupervisedProcess, type SupervisorOptions } from './process-supervisor';
export {
  decideRestart,
  defaultRestartPolicy,
  describeExit,
  formatDuration,
  type RestartDecision,
  type RestartPolicy,
} from './restart-policy';
export { parseSupervisorArguments, supervisorUsage, type SupervisorArguments } from './supervisor-arguments';
