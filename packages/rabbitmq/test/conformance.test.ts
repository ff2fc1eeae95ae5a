import { silentLogger } from '@polybus/core';
import { runConformanceSuite } from '@polybus/conformance';
import { rabbitmqTransport } from '../src';
import { AMQP_URL } from './helpers';

// A crashed consumer's unacked messages come back as soon as its channel closes, so the
// redelivery wait is short; nothing is skipped: every capability the suite reads is declared.
runConformanceSuite({
  name: 'rabbitmq',
  createTransport: () =>
    rabbitmqTransport({
      url: AMQP_URL,
      logger: silentLogger,
      reconnect: { initialDelayMs: 50, maxDelayMs: 1_000 },
    }),
  redeliveryMs: 10_000,
});
