/**
 * One relay of the raw-Kafka baseline chain, run as its own process (one per hop, as Airlock runs
 * one process per gate): consume a topic, JSON.parse each value, produce it keyed and acks=all to
 * the next topic. Nothing else, so the chain measures what Kafka and kafkajs cost per hop.
 *
 *   node -r ts-node/register/transpile-only relay-process.ts <brokers> <from> <to> <group>
 *
 * Prints `relay ready` once its consumer joined the group; exits when its parent closes stdin
 * (the bench ended or died), so no relay outlives the bench.
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const [brokers = '', from = '', to = '', group = ''] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: `bench-relay-${process.pid}`,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: group });
  await producer.connect();
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('relay ready\n'));
  await consumer.subscribe({ topics: [from], fromBeginning: true });
  await consumer.run({
    // Like a gate: one message at a time per partition, every partition of the topic at once.
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ message }) => {
      const event: unknown = JSON.parse(message.value?.toString('utf8') ?? 'null');
      await producer.send({
        topic: to,
        acks: -1,
        messages: [{ key: message.key, value: JSON.stringify(event) }],
      });
    },
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.on('close', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`relay failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
