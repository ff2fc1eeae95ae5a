import { connect } from 'node:net';
import { silentLogger } from '@polybus/core';
import { expectStalledBrokerAnswered, STALL_TIMEOUTS } from '@polybus/conformance';
import { kafkaTransport } from '../src';
import { BROKERS, FAST_CONSUMER, unique } from './helpers';

describe('kafka with a broker that stops answering', () => {
  it('start() and publish reject within their timeouts instead of waiting; publishes go through again after', async () => {
    const [host, port] = BROKERS[0].split(':');
    await expectStalledBrokerAnswered(
      { host, port: Number(port) },
      (proxyPort) =>
        kafkaTransport({
          brokers: BROKERS,
          ...STALL_TIMEOUTS,
          consumer: FAST_CONSUMER,
          logger: silentLogger,
          // The broker advertises its own address: every connection is sent through the proxy.
          socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxyPort }, onConnect),
        }),
      unique('stall'),
    );
  }, 120_000);
});
