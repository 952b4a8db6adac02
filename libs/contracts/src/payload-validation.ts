import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import envelopeSchema from '../../../schemas/events/cloudevent-envelope.schema.json';
import definitionsSchema from '../../../schemas/events/definitions.schema.json';
import proposalsSchema from '../../../schemas/events/agent.proposals.schema.json';
import acceptedSchema from '../../../schemas/events/airlock.proposals.accepted.schema.json';
import policySchema from '../../../schemas/events/airlock.policy.decisions.schema.json';
import approvalSchema from '../../../schemas/events/airlock.approvals.decisions.schema.json';
import previewsSchema from '../../../schemas/events/airlock.approvals.previews.schema.json';
import budgetSchema from '../../../schemas/events/airlock.budget.reservations.schema.json';
import executedSchema from '../../../schemas/events/airlock.actions.executed.schema.json';
import outcomesSchema from '../../../schemas/events/airlock.proposals.outcomes.schema.json';
import dlqSchema from '../../../schemas/events/airlock.dlq.schema.json';
import controlSchema from '../../../schemas/events/airlock.control.schema.json';
import usageSchema from '../../../schemas/events/agent.usage.schema.json';
import usageAccountedSchema from '../../../schemas/events/airlock.usage.accounted.schema.json';
import runsSchema from '../../../schemas/events/airlock.runs.schema.json';
import shadowSchema from '../../../schemas/events/airlock.policy.shadow.schema.json';
import entitiesSchema from '../../../schemas/events/airlock.entities.schema.json';
import resolutionsSchema from '../../../schemas/events/airlock.outcomes.resolved.schema.json';
import bundleEntitiesSchema from '../../../schemas/bundle/entities.schema.json';
import type { CloudEventEnvelope, Proposal, RunClose, RunTicket, UsageReport } from './generated/events';
import type { TopicKey, TopicPayloads } from './topics';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string };

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(definitionsSchema);
// An entity change carries an entity exactly as the bundle's entities/ files hold one.
ajv.addSchema(bundleEntitiesSchema);

const payloadValidators: Record<TopicKey, ValidateFunction> = {
  proposals: ajv.compile(proposalsSchema),
  accepted: ajv.compile(acceptedSchema),
  policyDecisions: ajv.compile(policySchema),
  approvalDecisions: ajv.compile(approvalSchema),
  approvalPreviews: ajv.compile(previewsSchema),
  budgetReservations: ajv.compile(budgetSchema),
  actionsExecuted: ajv.compile(executedSchema),
  outcomes: ajv.compile(outcomesSchema),
  dlq: ajv.compile(dlqSchema),
  policyShadow: ajv.compile(shadowSchema),
  usage: ajv.compile(usageSchema),
  usageAccounted: ajv.compile(usageAccountedSchema),
  runs: ajv.compile(runsSchema),
  control: ajv.compile(controlSchema),
  entities: ajv.compile(entitiesSchema),
  resolutions: ajv.compile(resolutionsSchema),
};
const envelopeValidator = ajv.compile(envelopeSchema);
const proposalValidator = ajv.compile({ $ref: `${definitionsSchema.$id}#/definitions/Proposal` });
const runTicketValidator = ajv.compile({ $ref: `${definitionsSchema.$id}#/definitions/RunTicket` });
const usageReportValidator = ajv.compile({ $ref: `${definitionsSchema.$id}#/definitions/UsageReport` });
const runCloseValidator = ajv.compile({ $ref: `${definitionsSchema.$id}#/definitions/RunClose` });

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`)
    .join('; ');
}

function check<T>(validate: ValidateFunction, value: unknown): ValidationResult<T> {
  return validate(value)
    ? { ok: true, value: value as T }
    : { ok: false, errors: describeSchemaErrors(validate.errors) };
}

export function validatePayload<K extends TopicKey>(
  topic: K,
  data: unknown,
): ValidationResult<TopicPayloads[K]> {
  return check<TopicPayloads[K]>(payloadValidators[topic], data);
}

export function validateEnvelope(value: unknown): ValidationResult<CloudEventEnvelope> {
  return check<CloudEventEnvelope>(envelopeValidator, value);
}

export function validateProposal(value: unknown): ValidationResult<Proposal> {
  return check<Proposal>(proposalValidator, value);
}

export function validateRunTicket(value: unknown): ValidationResult<RunTicket> {
  return check<RunTicket>(runTicketValidator, value);
}

export function validateUsageReport(value: unknown): ValidationResult<UsageReport> {
  return check<UsageReport>(usageReportValidator, value);
}

export function validateRunClose(value: unknown): ValidationResult<RunClose> {
  return check<RunClose>(runCloseValidator, value);
}
