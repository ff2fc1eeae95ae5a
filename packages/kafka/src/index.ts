export { KafkaTransport, kafkaTransport } from './transport';
export { createTransportFromUrl, kafkaOptionsFromUrl } from './url';
export type { KafkaTransportOptions, KafkaAcks, KafkaCompression } from './options';
