import type { ServiceKeyring } from '@airlock/attestation';
import type { ControlChange } from '@airlock/contracts';
import type { HaltBoard } from '@airlock/halts';
import { CompactedTopicFeed } from './compacted-topic-feed';
import type { ConsumerLogger } from './kafka-batch-consumer';
import type { KafkaConnection } from './kafka-connection';

/**
 * Feeds a gate's HaltBoard from airlock.control (ADR 0009): only events attested by a gate that may
 * change halts (the approval service's operator API, budget's stopping rules) change it.
 */
export class ControlFeed extends CompactedTopicFeed<'control'> {
  /** `onChange`: told of each change the board took in, e.g. to notify people of a halt. */
  constructor(
    connection: KafkaConnection,
    board: HaltBoard,
    keyring: ServiceKeyring,
    logger: ConsumerLogger,
    onChange?: (change: ControlChange) => void,
  ) {
    super(
      connection,
      {
        topic: 'control',
        holds: 'the halts',
        keyring,
        apply: (change) => {
          board.apply(change);
          onChange?.(change);
          logger.event('info', `control: ${change.state}`, {
            scope: change.scope,
            operator_id: change.operator_id,
            reason: change.reason.slice(0, 500),
          });
          return undefined;
        },
      },
      logger,
    );
  }
}
