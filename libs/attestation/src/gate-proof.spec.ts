import type { Proposal } from '@airlock/contracts';
import { generateGateKeys, sampleProposal, type GateKeys } from './attestation-test-fixtures';
import { signAttestation } from './attestation-jws';
import { checkExecutionProof, checkGateProof } from './gate-proof';
import { proposalHash } from './proposal-hash';
import { generateSigningKey } from './signing-keys';

describe('checkExecutionProof', () => {
  let gates: GateKeys;
  beforeAll(async () => {
    gates = await generateGateKeys();
  });

  function bindingOf(proposal: Proposal) {
    return { proposal_id: proposal.proposal_id, proposal_hash: proposalHash(proposal) };
  }

  async function chainFor(proposal: Proposal, route: 'allow' | 'approval'): Promise<string[]> {
    const b = bindingOf(proposal);
    const chain = [await signAttestation(gates.keys.intake, { gate: 'intake', verdict: 'accepted', ...b })];
    if (route === 'allow') {
      chain.push(await signAttestation(gates.keys.policy, { gate: 'policy', verdict: 'allow', ...b }));
    } else {
      chain.push(
        await signAttestation(gates.keys.policy, { gate: 'policy', verdict: 'approval_required', ...b }),
      );
      chain.push(
        await signAttestation(gates.keys.approval, {
          gate: 'approval',
          verdict: 'approved',
          approver_id: 'alice',
          ...b,
        }),
      );
    }
    chain.push(
      await signAttestation(gates.keys.budget, {
        gate: 'budget',
        verdict: 'reserved',
        reserved_cost_usd: 0.5,
        ...b,
      }),
    );
    return chain;
  }

  it('passes a full chain in which policy allowed', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'allow');
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({ ok: true, route: 'policy_allow' });
  });

  it('passes a full chain in which a human approved, naming the approver', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'approval');
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({ ok: true, route: 'human_approval', approver_id: 'alice' });
  });

  it('refuses a proposal whose arguments were altered after the gates signed', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'allow');
    const altered = { ...proposal, arguments: { ...proposal.arguments, amount_usd: 2500 } };
    const result = await checkExecutionProof(
      { proposal: altered, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({
      ok: false,
      code: 'invalid_attestation',
      reason: 'proposal content does not match its hash',
    });
  });

  it('refuses altered arguments even when the hash was recomputed to match', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'allow');
    const altered = { ...proposal, arguments: { ...proposal.arguments, amount_usd: 2500 } };
    const result = await checkExecutionProof(
      { proposal: altered, proposal_hash: proposalHash(altered), attestations },
      gates.keyring,
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
      reason: expect.stringMatching(/different proposal content/),
    });
  });

  it('refuses an attestation copied from another proposal', async () => {
    const proposal = sampleProposal();
    const other = sampleProposal({ proposal_id: 'prop-2' });
    const attestations = await chainFor(proposal, 'allow');
    attestations[1] = (await chainFor(other, 'allow'))[1];
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({
      ok: false,
      code: 'invalid_attestation',
      reason: 'attestation 2 was issued for proposal prop-2, not prop-1',
    });
  });

  it('refuses an attestation forged by a key that is not in the keyring', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'approval');
    const { signingKey } = await generateSigningKey('approval-key-rogue');
    attestations[2] = await signAttestation(signingKey, {
      gate: 'approval',
      verdict: 'approved',
      approver_id: 'mallory',
      ...bindingOf(proposal),
    });
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
      reason: expect.stringMatching(/^attestation 3: .*not in the service keyring/),
    });
  });

  it('refuses a policy verdict signed with the budget gate key', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'approval');
    attestations[1] = await signAttestation(gates.keys.budget, {
      gate: 'policy',
      verdict: 'allow',
      ...bindingOf(proposal),
    });
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
      reason: expect.stringMatching(/belongs to the budget gate/),
    });
  });

  it('refuses approval_required without a human approval', async () => {
    const proposal = sampleProposal();
    const attestations = (await chainFor(proposal, 'approval')).filter((_jws, index) => index !== 2);
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({
      ok: false,
      code: 'missing_attestation',
      reason: 'missing attestation of human approval',
    });
  });

  it('refuses a chain without a budget reservation', async () => {
    const proposal = sampleProposal();
    const attestations = (await chainFor(proposal, 'allow')).slice(0, 2);
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({
      ok: false,
      code: 'missing_attestation',
      reason: 'missing attestation of budget reservation',
    });
  });

  it('names every missing gate when there are no attestations at all', async () => {
    const proposal = sampleProposal();
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations: [] },
      gates.keyring,
    );
    expect(result).toEqual({
      ok: false,
      code: 'missing_attestation',
      reason: 'missing attestation of intake acceptance, policy decision, budget reservation',
    });
  });

  it('refuses JWS garbage among otherwise valid attestations', async () => {
    const proposal = sampleProposal();
    const attestations = [...(await chainFor(proposal, 'allow')), 'not-a-jws'];
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
      reason: expect.stringMatching(/^attestation 4: /),
    });
  });

  it('refuses two verdicts from the same gate', async () => {
    const proposal = sampleProposal();
    const attestations = await chainFor(proposal, 'approval');
    attestations.push(
      await signAttestation(gates.keys.policy, { gate: 'policy', verdict: 'allow', ...bindingOf(proposal) }),
    );
    const result = await checkExecutionProof(
      { proposal, proposal_hash: proposalHash(proposal), attestations },
      gates.keyring,
    );
    expect(result).toEqual({
      ok: false,
      code: 'invalid_attestation',
      reason: 'more than one attestation from the policy gate',
    });
  });
});

describe('checkGateProof by stage', () => {
  let gates: GateKeys;
  beforeAll(async () => {
    gates = await generateGateKeys();
  });

  async function attest(
    proposal: Proposal,
    ...verdicts: ('accepted' | 'allow' | 'approval_required' | 'approved')[]
  ) {
    const binding = { proposal_id: proposal.proposal_id, proposal_hash: proposalHash(proposal) };
    const signed: string[] = [];
    for (const verdict of verdicts) {
      if (verdict === 'accepted')
        signed.push(await signAttestation(gates.keys.intake, { gate: 'intake', verdict, ...binding }));
      else if (verdict === 'approved')
        signed.push(
          await signAttestation(gates.keys.approval, {
            gate: 'approval',
            verdict,
            approver_id: 'bob',
            ...binding,
          }),
        );
      else signed.push(await signAttestation(gates.keys.policy, { gate: 'policy', verdict, ...binding }));
    }
    return { proposal, proposal_hash: binding.proposal_hash, attestations: signed };
  }

  it('lets policy decide only what intake accepted', async () => {
    const proposal = sampleProposal();
    expect(await checkGateProof(await attest(proposal, 'accepted'), gates.keyring, 'accepted')).toEqual({
      ok: true,
    });
    expect(await checkGateProof(await attest(proposal), gates.keyring, 'accepted')).toMatchObject({
      ok: false,
      code: 'missing_attestation',
      reason: 'missing attestation of intake acceptance',
    });
  });

  it('lets approval open a request only when policy asked for one', async () => {
    const proposal = sampleProposal();
    const asked = await attest(proposal, 'accepted', 'approval_required');
    expect(await checkGateProof(asked, gates.keyring, 'approval_requested')).toEqual({ ok: true });
    const allowed = await attest(proposal, 'accepted', 'allow');
    expect(await checkGateProof(allowed, gates.keyring, 'approval_requested')).toMatchObject({
      ok: false,
      reason: 'missing attestation of policy request for approval',
    });
  });

  it('lets budget reserve for a policy allow or a human approval, but not for a pending approval', async () => {
    const proposal = sampleProposal();
    expect(
      await checkGateProof(await attest(proposal, 'accepted', 'allow'), gates.keyring, 'cleared'),
    ).toEqual({
      ok: true,
      route: 'policy_allow',
    });
    const approved = await attest(proposal, 'accepted', 'approval_required', 'approved');
    expect(await checkGateProof(approved, gates.keyring, 'cleared')).toEqual({
      ok: true,
      route: 'human_approval',
      approver_id: 'bob',
    });
    const pending = await attest(proposal, 'accepted', 'approval_required');
    expect(await checkGateProof(pending, gates.keyring, 'cleared')).toMatchObject({
      ok: false,
      reason: 'missing attestation of human approval',
    });
  });

  it('refuses at every stage an attestation signed with a key outside the keyring', async () => {
    const proposal = sampleProposal();
    const stranger = await generateSigningKey('intake-1');
    const binding = { proposal_id: proposal.proposal_id, proposal_hash: proposalHash(proposal) };
    const forged = [
      await signAttestation(stranger.signingKey, { gate: 'intake', verdict: 'accepted', ...binding }),
    ];
    const input = { proposal, proposal_hash: binding.proposal_hash, attestations: forged };
    expect(await checkGateProof(input, gates.keyring, 'accepted')).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
  });
});
