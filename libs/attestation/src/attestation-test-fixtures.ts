import { gateNames, type GateName, type Proposal } from '@airlock/contracts';
import { generateSigningKey, type ServiceKeyring, type SigningKey } from './signing-keys';

/** One key per gate plus the keyring every gate would trust, generated fresh for each suite. */
export interface GateKeys {
  keys: Record<GateName, SigningKey>;
  keyring: ServiceKeyring;
}

/** For tests (here and in the libs that consume attestations): never for a deployment's keys. */
export async function generateGateKeys(): Promise<GateKeys> {
  const keys = {} as GateKeys['keys'];
  const keyring: ServiceKeyring = {};
  for (const gate of gateNames) {
    const { signingKey, publicJwk } = await generateSigningKey(`${gate}-key-1`);
    keys[gate] = signingKey;
    keyring[signingKey.kid] = { gate, jwk: publicJwk };
  }
  return { keys, keyring };
}

export function sampleProposal(overrides: Partial<Proposal> = {}): Proposal {
  return {
    proposal_id: 'prop-1',
    run_id: 'run-1',
    agent_id: 'agent-1',
    tool: 'issue_refund',
    arguments: { order_id: 'o-1', amount_usd: 25 },
    issued_at: '2024-05-01T12:00:00Z',
    ...overrides,
  };
}
