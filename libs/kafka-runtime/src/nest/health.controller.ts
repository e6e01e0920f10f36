import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject } from '@nestjs/common';
import type { JournalRuntime, RuntimeStatus } from '../journal-runtime';

export const JOURNAL_RUNTIME = Symbol('JOURNAL_RUNTIME');

@Controller('health')
export class HealthController {
  constructor(@Inject(JOURNAL_RUNTIME) private readonly runtime: JournalRuntime) {}

  /** The process answers (a restart would not help otherwise). */
  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready = the journal is folded, the consumer is running in its group, and the broker and the database answer. */
  @Get('ready')
  async ready(): Promise<RuntimeStatus> {
    const status = await this.runtime.readiness();
    if (!status.ready) throw new HttpException(status, HttpStatus.SERVICE_UNAVAILABLE);
    return status;
  }
}
