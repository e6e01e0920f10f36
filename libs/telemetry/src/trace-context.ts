import { context, type Context, propagation, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';

/** Kafka message headers as kafkajs hands them over (values may be Buffers, strings or lists). */
export type KafkaHeaders = Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>;

const firstText = (value: KafkaHeaders[string]): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : (v as Buffer).toString('utf8');
};

const headerGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    // header names are case-sensitive in Kafka; W3C names are lower case, but accept any case
    const name = key in carrier ? key : Object.keys(carrier).find((k) => k.toLowerCase() === key);
    return name === undefined ? undefined : firstText(carrier[name]);
  },
};

const headerSetter: TextMapSetter<Record<string, Buffer | string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * Writes the W3C trace context (`traceparent`, `tracestate`) and baggage of `ctx` (default: the
 * active context) into Kafka headers, as strings. Returns the same headers object.
 */
export function injectTraceContext<H extends Record<string, Buffer | string>>(headers: H, ctx: Context = context.active()): H {
  propagation.inject(ctx, headers, headerSetter);
  return headers;
}

/** The context a producer injected into these headers (the root context when there is none). */
export function extractTraceContext(headers: KafkaHeaders | undefined, base: Context = context.active()): Context {
  return propagation.extract(base, headers ?? {}, headerGetter);
}
