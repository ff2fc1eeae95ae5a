import { connect } from 'node:net';
import { expectOutageLoggedOnce } from '@polybus/conformance';
import { kafkaTransport } from '../src';
import { BROKERS, FAST_CONSUMER, unique } from './helpers';

describe('kafka when the broker goes away', () => {
  it('logs the outage once, not once per reconnect attempt, and goes on once it is back', async () => {
    const [host, port] = BROKERS[0].split(':');
    await expectOutageLoggedOnce(
      { host, port: Number(port) },
      (proxyPort, logger) =>
        kafkaTransport({
          brokers: BROKERS,
          consumer: FAST_CONSUMER,
          connectTimeoutMs: 3_000,
          publishTimeoutMs: 3_000,
          logger,
          // The broker advertises its own address: every connection is sent through the proxy.
          socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxyPort }, onConnect),
        }),
      unique('outage'),
    );
  }, 150_000);
});
