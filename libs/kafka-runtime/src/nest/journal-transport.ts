import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { JournalRuntime } from '../journal-runtime';

/**
 * The Kafka runtime plugged into NestJS as a custom transport strategy (docs/adr/0005): Nest's
 * built-in Kafka transport consumes message by message with no transaction around consume →
 * produce → commit offsets, which exactly-once journals need. There are no message handlers:
 * the decider is the handler, bound by the runtime.
 */
export class JournalTransport extends Server implements CustomTransportStrategy {
  constructor(readonly runtime: JournalRuntime) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.runtime.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    await this.runtime.stop();
  }

  on(): void {
    // The runtime reports through status(), health endpoints and telemetry; no transport events.
  }

  unwrap<T>(): T {
    return this.runtime as T;
  }
}
