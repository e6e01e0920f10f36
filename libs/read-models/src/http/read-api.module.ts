import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { PRODUCERS, type Producer } from '@ccp/contracts';
import { DataSource } from 'typeorm';
import { AccountsController, AnchorsController, DefaultsController, FundsController } from './read-api.controllers';
import { READ_API_AUTH, ReadApiTokenGuard, type ReadApiAuth } from './read-api.auth';
import { READ_API_PRODUCER, READ_MODEL_DATA_SOURCE } from './read-api.tokens';

export interface ReadApiOptions {
  /** the service serving this API: margin adds /accounts, default-fund adds /funds; every one serves /defaults and /anchors */
  readonly producer: Producer;
  /**
   * The initialized data source to query. Omitted: the module injects `DataSource` (the TypeORM class
   * as token), which the host must provide from a @Global() module.
   */
  readonly dataSource?: DataSource;
  /** how readers authenticate (required: an open API is a stated choice, `{ mode: 'off' }`) */
  readonly auth: ReadApiAuth;
}

const CONTROLLERS: Readonly<Record<Producer, readonly Type[]>> = {
  margin: [AccountsController, DefaultsController],
  liquidation: [DefaultsController],
  'default-fund': [FundsController, DefaultsController],
  'loss-allocation': [DefaultsController],
};

/** The read API of one service (and /anchors, the journals' latest signed heads, on every one) over the PostgreSQL read models (libs/read-models projection). */
@Module({})
export class ReadApiModule {
  static register(options: ReadApiOptions): DynamicModule {
    if (!PRODUCERS.includes(options.producer)) {
      throw new Error(`ReadApiModule.register: producer must be one of ${PRODUCERS.join(', ')}; got '${String(options.producer)}'`);
    }
    if (options.auth?.mode !== 'jwt' && options.auth?.mode !== 'off') throw new Error("ReadApiModule.register: auth must be { mode: 'jwt', key, audience } or { mode: 'off' }");
    const dataSource: Provider =
      options.dataSource !== undefined ? { provide: READ_MODEL_DATA_SOURCE, useValue: options.dataSource } : { provide: READ_MODEL_DATA_SOURCE, useExisting: DataSource };
    return {
      module: ReadApiModule,
      controllers: [...CONTROLLERS[options.producer], AnchorsController],
      providers: [dataSource, { provide: READ_API_PRODUCER, useValue: options.producer }, { provide: READ_API_AUTH, useValue: options.auth }, ReadApiTokenGuard],
    };
  }
}
