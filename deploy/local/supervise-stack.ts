// `npm start` runs the stand-in API and the six services under this supervisor (see start.sh):
// a service that dies is started again with backoff while the rest keep running, and SIGINT,
// SIGTERM or SIGHUP stop them all.
import { ProcessSupervisor, parseSupervisorArguments } from '@airlock/process-supervisor';

function main(): void {
  let parsed;
  try {
    parsed = parseSupervisorArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`[airlock] ERROR: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const supervisor = new ProcessSupervisor(parsed.processes, {
    pidDir: parsed.pidDir,
    log: (line) => process.stdout.write(`[airlock] ${line}\n`),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`[airlock] ${signal}: stopping ${parsed.processes.map((p) => p.name).join(', ')}\n`);
    supervisor.stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`[airlock] ERROR: stopping failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  supervisor.start();
}

main();
