import { existsSync } from 'node:fs';
import { readStringMap } from '@airlock/bundle';
import { CliError } from './cli-error';

export type Role = 'operator' | 'approver';

/** A bearer token, and what to tell the user about it when an API refuses it. */
export interface Credential {
  role: Role;
  token: string;
  /** Where it came from: `olivia in …/operator-tokens.json`, or the variable. */
  source: string;
  /** The local accounts of the role, to suggest another. */
  localIds: string[];
}

export const tokenVariable: Record<Role, string> = {
  operator: 'AIRLOCK_OPERATOR_TOKEN',
  approver: 'AIRLOCK_APPROVER_TOKEN',
};

/**
 * The token to send: the named local account's (--as), else the variable's, else (unless the
 * command acts in someone's name) the first local account's, as `npm start` generated them.
 */
export function resolveToken(request: {
  role: Role;
  as: string | undefined;
  fromVariable: string | undefined;
  tokensFile: string;
  mustName: boolean;
}): Credential {
  const { role, as, tokensFile } = request;
  const variable = tokenVariable[role];
  const tokens = existsSync(tokensFile) ? readStringMap(tokensFile, `${role} tokens`) : undefined;
  const localIds = Object.keys(tokens ?? {});
  if (as === undefined && request.fromVariable) {
    return { role, token: request.fromVariable, source: variable, localIds };
  }
  if (tokens === undefined) {
    throw new CliError(
      `no ${role} tokens in ${tokensFile}: run npm start once (it generates them), or set ${variable}`,
    );
  }
  if (as === undefined && request.mustName) {
    throw new CliError(`say in whose name: --as <${role}> (${localIds.join(', ')}), or set ${variable}`);
  }
  const id = as ?? localIds[0];
  const token = id === undefined ? undefined : tokens[id];
  if (id === undefined || token === undefined) {
    throw new CliError(
      `no local ${role} "${as ?? ''}" in ${tokensFile}; there are: ${localIds.join(', ') || 'none'}`,
    );
  }
  return { role, token, source: `${id} in ${tokensFile}`, localIds };
}

/** The sentence for an API's refusal: what it said, and which token would do. */
export function refusalMessage(status: number, answer: unknown, credential: Credential): string {
  const body = (typeof answer === 'object' && answer !== null ? answer : {}) as {
    error?: unknown;
    message?: unknown;
  };
  const said = typeof body.message === 'string' ? body.message : JSON.stringify(answer ?? null);
  const others = `--as <${credential.role}> (${credential.localIds.join(', ') || 'none locally'}) or ${tokenVariable[credential.role]}`;
  if (status === 401) {
    return `the token of ${credential.source} was refused (401: ${said}); use a registered ${credential.role}'s: ${others}`;
  }
  if (status === 403 && credential.role === 'operator') {
    return `${said} (403); operator commands need an operator's token: ${others}`;
  }
  if (status === 403) return `${said} (403); answer as another approver: ${others}`;
  return `${said} (${status}${typeof body.error === 'string' ? ` ${body.error}` : ''})`;
}

/** One Airlock HTTP API (approval's or budget's), called with one credential. */
export class AirlockApi {
  constructor(
    private readonly baseUrl: string,
    /** The variable that says where this API is, to name when it cannot be reached. */
    private readonly urlVariable: string,
    private readonly credential: Credential,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.credential.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const { cause } = error as { cause?: { code?: string; message?: string } };
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError(
        `cannot reach ${this.baseUrl} (${why}): is Airlock running (npm start)? ${this.urlVariable} says where it listens`,
      );
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw new CliError(refusalMessage(response.status, answer, this.credential));
    return answer as T;
  }
}
