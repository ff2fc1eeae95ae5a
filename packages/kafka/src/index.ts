export { KafkaTransport, kafkaTransport } from './kafka-transport';
export { createTransportFromUrl, kafkaOptionsFromUrl } from './url';
export type { KafkaTransportOptions, KafkaAcks, KafkaCompression } from './options';
