import type { ArgumentsHost } from '@nestjs/common';
import { ApprovalDeskError, ApprovalDeskErrorFilter } from './approval-desk.errors';

function answerTo(error: ApprovalDeskError): { status: number; body: unknown } {
  const answer = { status: 0, body: undefined as unknown };
  const response = {
    status: (code: number) => {
      answer.status = code;
      return { json: (body: unknown) => void (answer.body = body) };
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new ApprovalDeskErrorFilter().catch(error, host);
  return answer;
}

describe('ApprovalDeskErrorFilter', () => {
  it.each([
    ['not_found', 404],
    ['forbidden', 403],
  ] as const)('answers %s with HTTP %i and the code', (code, status) => {
    expect(answerTo(new ApprovalDeskError(code, 'why'))).toEqual({
      status,
      body: { error: code, message: 'why' },
    });
  });

  it('answers not_pending with 409 and the status the winner left', () => {
    expect(answerTo(new ApprovalDeskError('not_pending', 'already approved', 'approved'))).toEqual({
      status: 409,
      body: { error: 'not_pending', message: 'already approved', status: 'approved' },
    });
  });
});
