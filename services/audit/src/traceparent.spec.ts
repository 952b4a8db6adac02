import { traceIdOf } from './traceparent';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;

describe('traceIdOf', () => {
  it('reads the trace id from a string or Buffer traceparent header', () => {
    expect(traceIdOf({ traceparent })).toBe(traceId);
    expect(traceIdOf({ traceparent: Buffer.from(traceparent) })).toBe(traceId);
  });

  it('is empty when the header is missing or malformed', () => {
    expect(traceIdOf({})).toBe('');
    expect(traceIdOf({ traceparent: 'not-a-traceparent' })).toBe('');
    expect(traceIdOf({ traceparent: traceparent.toUpperCase() })).toBe('');
  });

  it('is empty for the all-zero trace id and the forbidden version ff', () => {
    expect(traceIdOf({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` })).toBe('');
    expect(traceIdOf({ traceparent: `ff-${traceId}-00f067aa0ba902b7-01` })).toBe('');
  });
});
