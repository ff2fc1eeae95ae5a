import { silentLogger } from '@polybus/core';
import { runConformanceSuite } from '@polybus/conformance';
import { kafkaTransport } from '../src';
import { BROKERS, FAST_CONSUMER } from './helpers';

// The same suite with non-blocking retries: the core then hands delayed retries to the transport,
// which routes them through each binding's retry topic.
runConformanceSuite({
  name: 'kafka with retry topics',
  createTransport: () =>
    kafkaTransport({
      brokers: BROKERS,
      clientId: 'polybus-conformance-retry',
      logger: silentLogger,
      consumer: FAST_CONSUMER,
      retryTopics: true,
    }),
  redeliveryMs: 20_000,
});
