import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { MetricsEndpoint } from '@ccp/telemetry';

export const METRICS_ENDPOINT = Symbol('METRICS_ENDPOINT');

/**
 * GET /metrics: the service's metrics in the Prometheus text format, for a scraper. Like /health it
 * needs no token (the read API's guard is on the read controllers only). It is not part of the
 * read API, so not in its OpenAPI document.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_ENDPOINT) private readonly endpoint: MetricsEndpoint | null) {}

  @Get()
  scrape(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    if (this.endpoint === null) throw new NotFoundException('this process collects no metrics (OTEL_SDK_DISABLED=true, or started without telemetry)');
    this.endpoint.handle(request, response);
  }
}
