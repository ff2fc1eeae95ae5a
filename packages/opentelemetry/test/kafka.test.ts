import { createBus, silentLogger } from '@polybus/core';
import { useGlobalOtel } from './otel-harness';
import { tracingCases } from './tracing-cases';

const URL = `kafka://${process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092'}`;
useGlobalOtel();

describe('tracing on Kafka', () => {
  tracingCases({
    newBus: () => createBus({ url: URL, logger: silentLogger }),
    system: 'kafka',
    timeoutMs: 30_000,
  });
});
