import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { JournalRuntime, RuntimeStatus } from '../journal-runtime';

export const JOURNAL_RUNTIME = Symbol('JOURNAL_RUNTIME');

/** The service's health: the one health controller of the project (liveness and readiness are separate). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(JOURNAL_RUNTIME) private readonly runtime: JournalRuntime) {}

  /** The process answers (a restart would not help otherwise). */
  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'the process is up and serving HTTP' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready = the journal is folded, the consumer is running in its group, and the broker and the database answer. */
  @Get('ready')
  @ApiOkResponse({ description: 'ready: the journal is folded, the consumer joined its group, the broker and the database answer' })
  @ApiServiceUnavailableResponse({ description: 'not ready (starting, folding, a dependency down); the body says which check failed' })
  async ready(): Promise<RuntimeStatus> {
    const status = await this.runtime.readiness();
    if (!status.ready) throw new HttpException(status, HttpStatus.SERVICE_UNAVAILABLE);
    return status;
  }
}
