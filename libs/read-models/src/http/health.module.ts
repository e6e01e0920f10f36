import { Controller, type DynamicModule, Get, HttpStatus, Inject, Module, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';

/** The part of the platform's response object used here (Express and Fastify both have it). */
interface StatusResponse {
  status(code: number): unknown;
}

/** What the host reports: ready or not, with details (e.g. consumer caught up, database reachable). */
export interface ReadinessResult {
  readonly ready: boolean;
  readonly details?: Record<string, unknown>;
}
export type ReadinessCheck = () => ReadinessResult | boolean | Promise<ReadinessResult | boolean>;

export interface HealthOptions {
  /** called on every GET /health/ready; a throw counts as not ready (its message is reported) */
  readonly readiness: ReadinessCheck;
}

const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(@Inject(HEALTH_OPTIONS) private readonly options: HealthOptions) {}

  @Get('live')
  @ApiOkResponse({ description: 'the process is up and serving HTTP' })
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'ready: the host says it can do its work' })
  @ApiServiceUnavailableResponse({ description: 'not ready yet (starting, catching up, a dependency down)' })
  async ready(@Res({ passthrough: true }) response: StatusResponse): Promise<{ status: 'ready' | 'not-ready'; details?: Record<string, unknown> }> {
    let result: ReadinessResult;
    try {
      const outcome = await this.options.readiness();
      result = typeof outcome === 'boolean' ? { ready: outcome } : outcome;
    } catch (error: unknown) {
      result = { ready: false, details: { error: error instanceof Error ? error.message : String(error) } };
    }
    response.status(result.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: result.ready ? 'ready' : 'not-ready', ...(result.details !== undefined ? { details: result.details } : {}) };
  }
}

/** GET /health/live (the process answers) and GET /health/ready (the host's readiness callback). */
@Module({})
export class HealthModule {
  static register(options: HealthOptions): DynamicModule {
    if (typeof options?.readiness !== 'function') throw new Error('HealthModule.register: readiness must be a function returning the readiness');
    return { module: HealthModule, controllers: [HealthController], providers: [{ provide: HEALTH_OPTIONS, useValue: options }] };
  }
}
