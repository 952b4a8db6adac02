import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { generateGateKeys, type GateKeys } from '@airlock/attestation';
import { buildEnvelope, topicKeys, type ControlChange, type HaltScope } from '@airlock/contracts';
import { controlKeyOf, HaltBoard } from '@airlock/halts';
import { ControlFeed, ensureTopics, EventPublisher, topicName } from '@airlock/messaging';
import { localInfra, waitUntil } from '@airlock/testing';

/**
 * The ControlFeed against the real Kafka: what a gate knows of the halts when it starts consuming.
 * A gate that consumed before its board was complete could execute what an operator had halted.
 */
describe('ControlFeed', () => {
  const namespace = `feed_${randomBytes(4).toString('hex')}`;
  const connection = { brokers: [localInfra.kafkaBrokers], service: 'feed-test', namespace };
  const kafka = new Kafka({ clientId: 'control-feed-test', brokers: connection.brokers });
  const silent = { event: () => undefined };
  let keys: GateKeys;
  let publisher: EventPublisher;

  const change = (scope: HaltScope, state: ControlChange['state']) =>
    buildEnvelope(
      'control',
      'airlock/operator-api',
      { runId: controlKeyOf(scope) },
      { scope, state, reason: 'test', operator_id: 'olivia', changed_at: new Date().toISOString() },
    );

  beforeAll(async () => {
    // The feed's kafkajs clients log their group joins at info level, as they do in the services.
    jest.spyOn(console, 'info').mockImplementation(() => undefined);
    keys = await generateGateKeys();
    await ensureTopics(connection, { partitions: 3, replicationFactor: 1 });
    publisher = new EventPublisher(connection, { gate: 'approval', signingKey: keys.keys.approval });
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: topicKeys.map((key) => topicName(key, namespace)), timeout: 15000 });
    await admin.disconnect();
  });

  it('creates airlock.control compacted, so each scope keeps its last change for good', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: topicName('control', namespace), configNames: ['cleanup.policy'] }],
      });
      expect(described.resources[0].configEntries[0]).toMatchObject({ configValue: 'compact' });
    } finally {
      await admin.disconnect();
    }
  });

  it('returns from start only once every change already on the topic is on the board', async () => {
    const agents = Array.from({ length: 40 }, (_, index) => `agent-${index}`);
    for (const agent of agents)
      await publisher.publish('control', change({ kind: 'agent', id: agent }, 'halted'));
    // Every other one resumed: the board must hold the last change of each scope, not the first.
    for (const agent of agents.filter((_, index) => index % 2 === 1)) {
      await publisher.publish('control', change({ kind: 'agent', id: agent }, 'resumed'));
    }
    // A change not attested by the approval service is ignored, however it is spelled.
    const forged = change({ kind: 'global' }, 'halted');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName('control', namespace),
      messages: [
        { key: 'global', value: JSON.stringify(forged) },
        { key: 'global', value: '{"not": "an event"' },
      ],
    });
    await producer.disconnect();

    const board = new HaltBoard();
    const feed = new ControlFeed(connection, board, keys.keyring, silent);
    await feed.start();
    try {
      // Read at once, without waiting: this is what the gate sees before its first proposal.
      const halted = board.list().map((halt) => halt.scope.id);
      expect(halted.sort()).toEqual(agents.filter((_, index) => index % 2 === 0).sort());
      expect(board.haltOf({ runId: 'r', agentId: 'someone-else', tool: 't' })).toBeUndefined();

      // And it keeps reading: a change made now reaches the board.
      await publisher.publish('control', change({ kind: 'tool', id: 'payments.refund' }, 'halted'));
      await waitUntil(
        () => board.haltOf({ runId: 'r', agentId: 'a', tool: 'payments.refund' }),
        10000,
        () => 'the live halt never reached the board',
      );
    } finally {
      await feed.stop();
    }
  });
});
