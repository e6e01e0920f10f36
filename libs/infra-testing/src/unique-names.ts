import { randomBytes } from 'node:crypto';

/**
 * A name no earlier or concurrent run uses: tests create their own topics, groups and schemas and
 * never share state with another run. Kafka topic names allow [a-zA-Z0-9._-]; PostgreSQL
 * identifiers are folded to lower case, so the result is lower case and uses '_' when asked.
 */
export function uniqueName(prefix: string, separator: '.' | '_' | '-' = '.'): string {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9]+/g, separator);
  const suffix = `${process.pid.toString(36)}${separator}${randomBytes(5).toString('hex')}`;
  return `${safePrefix}${separator}${suffix}`;
}

/** A topic for one test: `it.<prefix>.<pid>.<random>`. */
export function uniqueTopicName(prefix: string): string {
  return uniqueName(`it.${prefix}`, '.');
}

/** A consumer group or transactional id for one test. */
export function uniqueGroupId(prefix: string): string {
  return uniqueName(`it-${prefix}`, '-');
}

/** A PostgreSQL schema for one test run (lower case, starts with a letter). */
export function uniqueSchemaName(prefix: string): string {
  return uniqueName(`it_${prefix}`, '_');
}
