import {
  policySetTextToParts,
  policyToJson,
  type DetailedError,
  type Effect,
} from '@cedar-policy/cedar-wasm/nodejs';

/** Cedar policy files of a bundle, keyed by file name, e.g. `{ 'support.cedar': '...' }`. */
export interface PolicySources {
  [fileName: string]: string;
}

/** What the engine needs to know about one policy beyond Cedar's verdict. */
export interface PolicyFacts {
  id: string;
  fileName: string;
  effect: Effect;
  approvalRequired: boolean;
  /**
   * `@approval_for_run("$.recipient")`: argument paths whose values an approver may approve for the
   * rest of the run, so that later calls with the same values need no second answer.
   */
  approvalForRun?: string[];
  /** `@approvers("finance, run_user")`: who may approve; absent, any approver. */
  approvers?: string[];
  /** `@quorum("2")`: distinct approvals needed; absent, one. */
  quorum?: number;
}

export interface LoadedPolicySet {
  /** Policy text keyed by its `@id`, so Cedar reports our ids rather than `policy0`, `policy1`. */
  textById: Record<string, string>;
  factsById: ReadonlyMap<string, PolicyFacts>;
}

/** A policy file that cannot be used; the message names the file and what Cedar said. */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
}

/**
 * Values of `@approval` the engine understands. Anything else is refused at load time: a typo
 * such as `@approval("requried")` would otherwise silently turn an approval into a plain allow.
 */
const approvalAnnotationValues = new Set(['required']);

/** The most approvals a policy may ask for: beyond it, a request could never be met in time. */
const maxQuorum = 10;

/** An approver group as approvers.json names them, or `run_user`, the run's own user. */
const approverName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** An argument path as tool files write them: `$.recipient`, `$.payee.iban`. */
const argumentPath = /^\$(\.[A-Za-z0-9_-]+)+$/;

export function loadPolicySet(sources: PolicySources): LoadedPolicySet {
  const textById: Record<string, string> = {};
  const factsById = new Map<string, PolicyFacts>();
  const fileNames = Object.keys(sources).sort();
  for (const fileName of fileNames) {
    for (const policyText of splitPolicies(fileName, sources[fileName])) {
      const facts = readPolicyFacts(fileName, policyText);
      const earlier = factsById.get(facts.id);
      if (earlier) {
        throw new PolicyLoadError(
          `${fileName}: policy id "${facts.id}" is already used in ${earlier.fileName}; every @id must be unique`,
        );
      }
      factsById.set(facts.id, facts);
      textById[facts.id] = policyText;
    }
  }
  if (factsById.size === 0) {
    throw new PolicyLoadError('the bundle has no policies: without one, Cedar denies everything');
  }
  return { textById, factsById };
}

/**
 * Each policy's own text (annotations included, as written in its file) by its `@id`: what a human
 * asked to approve reads to learn why, without a second Cedar parser elsewhere.
 */
export function policyTextsById(sources: PolicySources): Readonly<Record<string, string>> {
  return loadPolicySet(sources).textById;
}

function splitPolicies(fileName: string, text: string): string[] {
  const parts = policySetTextToParts(text);
  if (parts.type === 'failure') {
    throw new PolicyLoadError(`${fileName}: ${describeCedarErrors(parts.errors, text)}`);
  }
  // Templates need linking to principals/resources, which the bundle has no place for yet.
  if (parts.policy_templates.length > 0) {
    throw new PolicyLoadError(
      `${fileName}: policy templates (with ?principal or ?resource) are not supported`,
    );
  }
  return parts.policies;
}

function readPolicyFacts(fileName: string, policyText: string): PolicyFacts {
  const parsed = policyToJson(policyText);
  if (parsed.type === 'failure') {
    throw new PolicyLoadError(`${fileName}: ${describeCedarErrors(parsed.errors)}`);
  }
  const annotations = parsed.json.annotations ?? {};
  const id = annotations['id'];
  const firstLine = policyText.split('\n').find((line) => !line.trim().startsWith('@')) ?? policyText;
  if (!id) {
    throw new PolicyLoadError(
      `${fileName}: the policy starting "${firstLine.trim()}" has no @id("...") annotation`,
    );
  }
  const approval = annotations['approval'];
  if (approval !== undefined && !approvalAnnotationValues.has(approval)) {
    throw new PolicyLoadError(
      `${fileName}: policy "${id}" has @approval("${approval}"); the only value understood is "required"`,
    );
  }
  const approvalRequired = approval === 'required';
  const facts: PolicyFacts = { id, fileName, effect: parsed.json.effect, approvalRequired };
  const approvalOnly = (annotation: string) => {
    if (!approvalRequired || parsed.json.effect !== 'permit') {
      throw new PolicyLoadError(
        `${fileName}: policy "${id}" has @${annotation} but is not a permit with @approval("required"); only a policy asking for approval can say how`,
      );
    }
  };
  const forRun = annotations['approval_for_run'];
  if (forRun !== undefined) {
    approvalOnly('approval_for_run');
    const paths = forRun.split(',').map((path) => path.trim());
    const malformed = paths.find((path) => !argumentPath.test(path));
    if (malformed !== undefined) {
      throw new PolicyLoadError(
        `${fileName}: policy "${id}" has @approval_for_run("${forRun}"); "${malformed}" is not an argument path such as $.recipient`,
      );
    }
    facts.approvalForRun = paths;
  }
  const approvers = annotations['approvers'];
  if (approvers !== undefined) {
    approvalOnly('approvers');
    const names = approvers.split(',').map((name) => name.trim());
    const malformed = names.find((name) => !approverName.test(name));
    if (malformed !== undefined) {
      throw new PolicyLoadError(
        `${fileName}: policy "${id}" has @approvers("${approvers}"); "${malformed}" is not a group name or run_user`,
      );
    }
    facts.approvers = names;
  }
  const quorum = annotations['quorum'];
  if (quorum !== undefined) {
    approvalOnly('quorum');
    if (!/^[1-9][0-9]?$/.test(quorum) || Number(quorum) > maxQuorum) {
      throw new PolicyLoadError(
        `${fileName}: policy "${id}" has @quorum("${quorum}"); a quorum is a number of approvers from 1 to ${maxQuorum}`,
      );
    }
    facts.quorum = Number(quorum);
  }
  return facts;
}

/** Cedar reports byte offsets into `text`; people read line and column. */
export function describeCedarErrors(errors: DetailedError[], text?: string): string {
  return errors
    .map((error) => {
      const location = error.sourceLocations?.[0];
      const where = location && text !== undefined ? ` at ${lineAndColumn(text, location.start)}` : '';
      const label = location?.label ? ` (${location.label})` : '';
      return `${error.message}${where}${label}`;
    })
    .join('; ');
}

function lineAndColumn(text: string, byteOffset: number): string {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
