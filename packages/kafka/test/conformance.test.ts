import { silentLogger } from '@polybus/core';
import { runConformanceSuite } from '@polybus/conformance';
import { kafkaTransport } from '../src';
import { BROKERS, FAST_CONSUMER } from './helpers';

// Small group timeouts: a crashed member's partitions move after sessionTimeout (6 s, the broker's
// group.min.session.timeout.ms).
runConformanceSuite({
  name: 'kafka',
  createTransport: () =>
    kafkaTransport({
      brokers: BROKERS,
      clientId: 'polybus-conformance',
      logger: silentLogger,
      consumer: FAST_CONSUMER,
    }),
  redeliveryMs: 20_000,
});
