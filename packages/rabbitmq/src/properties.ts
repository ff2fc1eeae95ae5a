import type { MessageProperties, Options } from 'amqplib';
import type { MessageHeaders } from '@polybus/core';

/**
 * AMQP properties Polybus does not use itself, as the headers a handler reads them under. A copy
 * Polybus writes (retry, dead letter, a publish with these headers) sets them as properties again.
 * `message_id`, `content_type` and `timestamp` are the message's id, `content-type` header and
 * timestamp already (see `fromAmqp`).
 */
export const PropertyHeaders = {
  correlationId: 'amqp-correlation-id',
  replyTo: 'amqp-reply-to',
  type: 'amqp-type',
  appId: 'amqp-app-id',
  userId: 'amqp-user-id',
  priority: 'amqp-priority',
  expiration: 'amqp-expiration',
  contentEncoding: 'amqp-content-encoding',
} as const;

type Property = keyof typeof PropertyHeaders;

/** How a message is written: what decides whether a property header may become the property. */
export interface WriteMode {
  /** Persistent and mandatory: at-least-once and exactly-once publishes, and every copy. */
  readonly confirmed: boolean;
  /**
   * A copy of a consumed message (retry, dead letter): its `expiration` stays a header. RabbitMQ
   * drops that property when it dead-letters a message itself, so that the copy does not expire
   * again: a dead letter would vanish from its retention queue, a retry come back early.
   */
  readonly copy: boolean;
  /** The user the publishing connection logged in as: RabbitMQ refuses a `user_id` of anyone else. */
  readonly user: string;
}

/** Adds the properties the message has as their headers. Eight reads when it has none. */
export function readProperties(p: MessageProperties, headers: MessageHeaders): void {
  if (p.correlationId !== undefined) headers[PropertyHeaders.correlationId] = String(p.correlationId);
  if (p.replyTo !== undefined) headers[PropertyHeaders.replyTo] = String(p.replyTo);
  if (p.type !== undefined) headers[PropertyHeaders.type] = String(p.type);
  if (p.appId !== undefined) headers[PropertyHeaders.appId] = String(p.appId);
  if (p.userId !== undefined) headers[PropertyHeaders.userId] = String(p.userId);
  if (p.priority !== undefined) headers[PropertyHeaders.priority] = String(p.priority);
  if (p.expiration !== undefined) headers[PropertyHeaders.expiration] = String(p.expiration);
  if (p.contentEncoding !== undefined) headers[PropertyHeaders.contentEncoding] = String(p.contentEncoding);
}

// AMQP short strings hold 255 bytes; amqplib throws on longer ones (the publish would never go).
const shortString = (text: string): string | undefined => (Buffer.byteLength(text) < 256 ? text : undefined);
const digitsUpTo = (max: number) => (text: string) => /^\d{1,10}$/.test(text) && Number(text) <= max;

interface PropertyRule {
  /** The property's value, undefined when the broker or amqplib would refuse it. */
  readonly parse: (text: string) => string | number | undefined;
  /** Whether it may be set in this mode at all (see `WriteMode`). */
  readonly allowed?: (text: string, mode: WriteMode) => boolean;
}

const priority = digitsUpTo(255);
const expiration = digitsUpTo(0xffffffff);
const RULES: Readonly<Record<Property, PropertyRule>> = {
  correlationId: { parse: shortString },
  replyTo: { parse: shortString },
  type: { parse: shortString },
  appId: { parse: shortString },
  userId: { parse: shortString, allowed: (text, mode) => text === mode.user },
  priority: { parse: (text) => (priority(text) ? Number(text) : undefined) },
  expiration: { parse: (text) => (expiration(text) ? text : undefined), allowed: (_, mode) => !mode.copy },
  contentEncoding: { parse: shortString },
};

const BY_HEADER = new Map<string, Property>(
  Object.entries(PropertyHeaders).map(([property, header]) => [header, property as Property]),
);

/**
 * Sets the property `header` stands for on `options`; false when it is no property header or its
 * value cannot be that property here, and the header then travels as a header.
 */
export function writeProperty(
  options: Options.Publish,
  header: string,
  text: string,
  mode: WriteMode,
): boolean {
  const property = BY_HEADER.get(header);
  if (property === undefined) return false;
  const rule = RULES[property];
  if (rule.allowed && !rule.allowed(text, mode)) return false;
  const value = rule.parse(text);
  if (value === undefined) return false;
  (options as Record<string, unknown>)[property] = value;
  return true;
}
