import { Kafka, logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-logger';
import type { ResolvedKafkaOptions } from './options';

/**
 * A kafkajs client with the transport's connection options, logging at warn and above through
 * the transport's logger. It opens no connection by itself.
 *
 * The transport makes one for the admin and the shared producers, and one per subscription.
 * kafkajs keeps one committed-offsets cache per group id in each client and a consumer clears
 * every other topic of its group from it when it (re)joins, so two bindings of one group (two
 * topics) on one client make the other consumer crash with a TypeError, for good, after a
 * rebalance. A client of their own keeps them apart.
 */
export function kafkaClient(o: ResolvedKafkaOptions): Kafka {
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    ssl: o.ssl,
    sasl: o.sasl,
    connectionTimeout: o.connectionTimeout,
    requestTimeout: o.requestTimeout,
    ...(o.socketFactory === undefined ? {} : { socketFactory: o.socketFactory }),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(o.logger),
  });
}
