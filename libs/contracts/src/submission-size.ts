import submissionSchema from '../../../schemas/events/agent.proposals.schema.json';

/**
 * The most bytes a message on agent.proposals may hold: its Kafka value, the whole envelope as
 * UTF-8. Written once, as the schema's cap on the JWS, so the schema and intake's size check can
 * never disagree again (the schema once allowed a 256 KiB JWS in a message intake refused above
 * 64 KiB). A compact JWS is ASCII, one byte per character, so it is always shorter than the
 * message that carries it. Why 64 KiB: docs/limits.md.
 */
export const maxSubmissionBytes: number = submissionSchema.properties.jws.maxLength;
