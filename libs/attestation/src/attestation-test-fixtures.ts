import type { Proposal } from '@airlock/contracts';
import type { GateName } from '@airlock/contracts';
import { generateSigningKey, type ServiceKeyring, type SigningKey } from './signing-keys';

/** One key per gate plus the keyring the executor would trust, generated fresh for each suite. */
export interface GateKeys {
  keys: Record<'intake' | 'policy' | 'approval' | 'budget', SigningKey>;
  keyring: ServiceKeyring;
}

export async function generateGateKeys(): Promise<GateKeys> {
  const gates = ['intake', 'policy', 'approval', 'budget'] as const;
  const keys = {} as GateKeys['keys'];
  const keyring: ServiceKeyring = {};
  for (const gate of gates) {
    const { signingKey, publicJwk } = await generateSigningKey(`${gate}-key-1`);
    keys[gate] = signingKey;
    keyring[signingKey.kid] = { gate: gate as GateName, jwk: publicJwk };
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
