import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ToolDefinition } from '@airlock/contracts';
import { PolicyLoadError } from './policy-set-loading';

/** Checks a proposal's arguments against its tool's schema; returns human sentences, empty when valid. */
export type ArgumentValidator = (args: unknown) => string[];

/**
 * Compiles every tool's arguments schema once, at engine creation, so a broken schema stops the
 * service at start-up instead of denying proposals one by one at run time.
 */
export function compileArgumentValidators(
  tools: ReadonlyMap<string, ToolDefinition>,
): ReadonlyMap<string, ArgumentValidator> {
  // One Ajv per engine: tool schemas may carry $ids, which must not leak between bundles.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validators = new Map<string, ArgumentValidator>();
  for (const [name, tool] of tools) {
    validators.set(name, toArgumentValidator(compileToolSchema(ajv, name, tool)));
  }
  return validators;
}

function compileToolSchema(ajv: Ajv, name: string, tool: ToolDefinition): ValidateFunction {
  try {
    return ajv.compile(tool.arguments_schema);
  } catch (error) {
    throw new PolicyLoadError(
      `tools/${name}.json: arguments_schema does not compile: ${(error as Error).message}`,
    );
  }
}

function toArgumentValidator(validate: ValidateFunction): ArgumentValidator {
  return (args) => {
    const cedarEscapes = findCedarEscapeKeys(args, 'arguments');
    if (!validate(args)) {
      return [...(validate.errors ?? []).map(describeArgumentError), ...cedarEscapes];
    }
    return cedarEscapes;
  };
}

/** Sentences that name the offending field, which Ajv's own messages often leave out. */
function describeArgumentError(error: ErrorObject): string {
  const field = `arguments${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field} is missing required field "${String(params['missingProperty'])}"`;
    case 'additionalProperties':
      return `${field} has unexpected field "${String(params['additionalProperty'])}"`;
    case 'enum':
      return `${field} must be one of ${JSON.stringify(params['allowedValues'])}`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Cedar's JSON reads an object whose only key is `__entity`, `__extn` or `__expr` as an entity
 * reference or an extension value, not as data. Arguments come from the agent, so such keys would
 * let it smuggle entities into the policy context; they are refused as invalid arguments.
 */
const cedarEscapeKeys = new Set(['__entity', '__extn', '__expr']);

function findCedarEscapeKeys(value: unknown, path: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findCedarEscapeKeys(item, `${path}/${index}`));
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    cedarEscapeKeys.has(key)
      ? [`${path} uses the reserved key "${key}"`]
      : findCedarEscapeKeys(child, `${path}/${key}`),
  );
}
