import { runConformanceSuite } from '@polybus/conformance';
import { testTransport } from './helpers';

// Short visibility timeout so a crashed consumer's message comes back quickly; the heartbeat keeps
// live handlers' messages invisible regardless.
const visibilityTimeoutSeconds = 3;

// Default mode: the suite's topics (`conf.<case>.<run>`) are standard queues.
runConformanceSuite({
  name: 'sqs (standard queues, ElasticMQ)',
  createTransport: () => testTransport({ visibilityTimeoutSeconds }),
  redeliveryMs: visibilityTimeoutSeconds * 1000 + 5_000,
  skip: {
    'per-key order holds, also across retries':
      "standard queues do not keep order, so ordering: 'per-key' is refused at bind on a non-.fifo topic; the FIFO run below covers it",
    'concurrent publish calls keep per-key order in call order (one batch per event-loop turn)':
      "the same: ordering: 'per-key' needs a FIFO queue; the FIFO run below covers it",
  },
});

// fifo: 'always': every topic is a FIFO queue (keys become MessageGroupIds).
runConformanceSuite({
  name: 'sqs (FIFO queues, ElasticMQ)',
  createTransport: () => testTransport({ visibilityTimeoutSeconds, fifo: 'always' }),
  redeliveryMs: visibilityTimeoutSeconds * 1000 + 5_000,
});
