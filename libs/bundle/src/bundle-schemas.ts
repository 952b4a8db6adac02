import Ajv from 'ajv';
import { validateBundleFile } from '@airlock/contracts';
import { BundleError } from './bundle-error';

/** Parses a bundle JSON file and checks it against its schema, or throws naming the file. */
export function parseBundleJson<K extends Parameters<typeof validateBundleFile>[0]>(
  relativePath: string,
  content: Buffer,
  kind: K,
) {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new BundleError(`${relativePath}: is not valid JSON: ${(error as Error).message}`);
  }
  const checked = validateBundleFile(kind, value);
  if (!checked.ok) throw new BundleError(`${relativePath}: ${checked.errors}`);
  return checked.value;
}

/**
 * Tool argument schemas are themselves JSON Schemas; checking them against the draft-07
 * meta-schema here makes a typo fail the bundle load rather than the first proposal.
 */
const metaSchemaChecker = new Ajv({ strict: false });

export function checkArgumentsSchema(relativePath: string, argumentsSchema: object): void {
  if (!metaSchemaChecker.validateSchema(argumentsSchema)) {
    throw new BundleError(
      `${relativePath}: /arguments_schema is not a valid JSON Schema: ${metaSchemaChecker.errorsText(metaSchemaChecker.errors, { dataVar: 'arguments_schema' })}`,
    );
  }
}
