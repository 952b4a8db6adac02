import { AirlockError, InfrastructureError, PoisonMessageError } from '@airlock/contracts';

/**
 * SQLSTATE classes in which PostgreSQL says "not now" rather than "never": connection exceptions,
 * insufficient resources, operator intervention (shutdown, statement timeout), system errors, and
 * serialization failures and deadlocks (class 40), which succeed when tried again.
 */
const retriableSqlStateClasses = new Set(['08', '40', '53', '57', '58']);

/** Node's errno codes for a peer that is away, refusing or cut off: the network, not the message. */
const retriableNetworkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The rule of ADR 0006, applied to whatever a handler threw: an AirlockError says for itself;
 * PostgreSQL, Node network and kafkajs errors are retriable when their code says the dependency is
 * away; everything else (a bug, a value a store refuses) is poison, because trying the same
 * message again would fail the same way and stall its partition forever.
 */
export function classifyFailure(error: unknown): AirlockError {
  if (error instanceof AirlockError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = codeOf(error);
  if (isPostgresError(error)) {
    return retriableSqlStateClasses.has(code.slice(0, 2))
      ? new InfrastructureError('postgres_unavailable', `PostgreSQL: ${message}`, { cause: error })
      : new PoisonMessageError('store_refused', `PostgreSQL refused the data (${code}): ${message}`, {
          cause: error,
        });
  }
  if (retriableNetworkCodes.has(code) || retriableNetworkCodes.has(codeOf(causeOf(error)))) {
    return new InfrastructureError('dependency_unreachable', message, { cause: error });
  }
  if (isKafkaJsError(error)) {
    return error.retriable
      ? new InfrastructureError('kafka_unavailable', `Kafka: ${message}`, { cause: error })
      : new PoisonMessageError('kafka_refused', `Kafka refused: ${message}`, { cause: error });
  }
  if (isPgPoolError(message)) {
    return new InfrastructureError('postgres_unavailable', `PostgreSQL: ${message}`, { cause: error });
  }
  return new PoisonMessageError('handler_failed', message, { cause: error });
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function causeOf(error: unknown): unknown {
  return (error as { cause?: unknown } | null | undefined)?.cause;
}

/** pg's DatabaseError carries a five-character SQLSTATE and the server's severity. */
function isPostgresError(error: unknown): boolean {
  const candidate = error as { code?: unknown; severity?: unknown } | null;
  return typeof candidate?.severity === 'string' && /^[0-9A-Z]{5}$/.test(codeOf(error));
}

function isKafkaJsError(error: unknown): error is Error & { retriable: boolean } {
  return error instanceof Error && error.name.startsWith('KafkaJS') && 'retriable' in error;
}

/** pg's pool and client say these in plain text, with no code, when the server is gone. */
function isPgPoolError(message: string): boolean {
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    message,
  );
}
