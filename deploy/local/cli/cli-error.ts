/**
 * What stops a command, as a sentence that says what to do; it exits 2 (usage, connection, a
 * refused request). Exit code 1 is kept for "what was checked failed" (verify, policy test), which
 * commands return as a result rather than throw.
 */
export class CliError extends Error {}
