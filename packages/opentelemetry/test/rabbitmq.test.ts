import { createBus, silentLogger } from '@polybus/core';
import { useGlobalOtel } from './otel-harness';
import { tracingCases } from './tracing-cases';

const URL = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
useGlobalOtel();

describe('tracing on RabbitMQ', () => {
  tracingCases({
    newBus: () => createBus({ url: URL, logger: silentLogger }),
    system: 'rabbitmq',
    timeoutMs: 30_000,
  });
});
