import { AirlockStack, type StackOptions } from './airlock-stack';
import type { TestAgent } from './kafka-test-clients';

export interface StackUnderTest {
  readonly stack: AirlockStack;
  readonly agent: TestAgent;
}

/** Starts a whole Airlock stack before the suite's tests and tears it down after them. */
export function useAirlockStack(options: StackOptions = {}, agentId = 'support-triage'): StackUnderTest {
  let started: { stack: AirlockStack; agent: TestAgent } | undefined;
  beforeAll(async () => {
    const stack = await AirlockStack.start(options);
    started = { stack, agent: stack.agent(agentId) };
  }, 120000);
  afterAll(async () => {
    await started?.stack.stop();
  });
  const current = () => {
    if (!started) throw new Error('the Airlock stack is not started yet (use it inside a test)');
    return started;
  };
  return {
    get stack() {
      return current().stack;
    },
    get agent() {
      return current().agent;
    },
  };
}
