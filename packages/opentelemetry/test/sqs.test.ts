import { createBus, silentLogger } from '@polybus/core';
import { useGlobalOtel } from './otel-harness';
import { tracingCases } from './tracing-cases';

const URL = process.env.POLYBUS_SQS_URL ?? 'sqs://x:x@127.0.0.1:9324?region=us-east-1';
useGlobalOtel();

// `sqs` is recorded under its semantic-convention name
describe('tracing on SQS', () => {
  tracingCases({
    newBus: () => createBus({ url: URL, logger: silentLogger }),
    system: 'aws_sqs',
    timeoutMs: 30_000,
  });
});
