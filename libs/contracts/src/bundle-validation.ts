import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import agentSchema from '../../../schemas/bundle/agent.schema.json';
import toolSchema from '../../../schemas/bundle/tool.schema.json';
import budgetsSchema from '../../../schemas/bundle/budgets.schema.json';
import approversSchema from '../../../schemas/bundle/approvers.schema.json';
import launcherSchema from '../../../schemas/bundle/launcher.schema.json';
import submitterSchema from '../../../schemas/bundle/submitter.schema.json';
import pricesSchema from '../../../schemas/bundle/prices.schema.json';
import policyTestsSchema from '../../../schemas/bundle/policy-tests.schema.json';
import entitiesSchema from '../../../schemas/bundle/entities.schema.json';
import definitionsSchema from '../../../schemas/events/definitions.schema.json';
import type {
  AgentRecord,
  ApproverRegistry,
  BudgetLimits,
  LauncherRecord,
  PolicyEntities,
  PolicyTests,
  PriceTable,
  SubmitterRecord,
  ToolDefinition,
} from './generated/events';
import { describeSchemaErrors, type ValidationResult } from './payload-validation';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(definitionsSchema);

export interface BundleFileKinds {
  agent: AgentRecord;
  tool: ToolDefinition;
  budgets: BudgetLimits;
  approvers: ApproverRegistry;
  launcher: LauncherRecord;
  submitter: SubmitterRecord;
  prices: PriceTable;
  policyTests: PolicyTests;
  entities: PolicyEntities;
}

const validators: Record<keyof BundleFileKinds, ValidateFunction> = {
  agent: ajv.compile(agentSchema),
  tool: ajv.compile(toolSchema),
  budgets: ajv.compile(budgetsSchema),
  approvers: ajv.compile(approversSchema),
  launcher: ajv.compile(launcherSchema),
  submitter: ajv.compile(submitterSchema),
  prices: ajv.compile(pricesSchema),
  policyTests: ajv.compile(policyTestsSchema),
  entities: ajv.compile(entitiesSchema),
};

/** Checks one bundle file against its schema in schemas/bundle. */
export function validateBundleFile<K extends keyof BundleFileKinds>(
  kind: K,
  value: unknown,
): ValidationResult<BundleFileKinds[K]> {
  const validate = validators[kind];
  return validate(value)
    ? { ok: true, value: value as BundleFileKinds[K] }
    : { ok: false, errors: describeSchemaErrors(validate.errors) };
}
