import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { identifier } from '@ccp/contracts';
import type { DataSource } from 'typeorm';
import { readLatestAnchors } from '../projection/project-journal-records';
import { findAccount, findDefaultCase, listDefaults, readFunds } from '../queries/read-model.queries';
import type { AccountView, AnchorList, DefaultCaseView, DefaultList, FundsView, ListDefaultsQuery } from '../queries/read-model.views';
import { listDefaultsQuerySchema } from '../queries/read-model.views';
import { READ_MODEL_DATA_SOURCE } from './read-api.tokens';
import { ZodValidationPipe } from './zod-validation.pipe';

/** OpenAPI references to the schemas read-api.openapi.ts registers from the zod views. */
export const schemaRef = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const BAD_REQUEST = { description: 'a parameter is invalid; `issues` names each field', schema: schemaRef('ValidationError') };

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get(':accountId')
  @ApiOperation({ summary: "One account as margin's journal states it" })
  @ApiParam({ name: 'accountId', description: 'letters, digits and . _ : @ - /' })
  @ApiOkResponse({ schema: schemaRef('Account') })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'no such account in the read model' })
  async get(@Param('accountId', new ZodValidationPipe(identifier, 'path.accountId')) accountId: string): Promise<AccountView> {
    const account = await findAccount(this.dataSource.manager, accountId);
    if (account === null) throw new NotFoundException(`account ${accountId} is not known`);
    return account;
  }
}

@ApiTags('funds')
@Controller('funds')
export class FundsController {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Insurance fund, member contributions and SITG tranches, with what is due for replenishment' })
  @ApiOkResponse({ schema: schemaRef('Funds') })
  funds(): Promise<FundsView> {
    return readFunds(this.dataSource.manager);
  }
}

@ApiTags('defaults')
@Controller('defaults')
export class DefaultsController {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Defaults in default id order, a page at a time' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({ name: 'accountId', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'memberId', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: schemaRef('DefaultList') })
  @ApiBadRequestResponse(BAD_REQUEST)
  list(@Query(new ZodValidationPipe(listDefaultsQuerySchema, 'query')) query: ListDefaultsQuery): Promise<DefaultList> {
    return listDefaults(this.dataSource.manager, query);
  }

  @Get(':defaultId')
  @ApiOperation({ summary: 'One default, assembled from the four journals as far as each is known' })
  @ApiParam({ name: 'defaultId', description: 'e.g. default:acct-1:acct-1@7 (percent-encode reserved characters)' })
  @ApiOkResponse({ schema: schemaRef('DefaultCase') })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'no journal has said anything about this default' })
  async get(@Param('defaultId', new ZodValidationPipe(identifier, 'path.defaultId')) defaultId: string): Promise<DefaultCaseView> {
    const found = await findDefaultCase(this.dataSource.manager, defaultId);
    if (found === null) throw new NotFoundException(`default ${defaultId} is not known`);
    return found;
  }
}

@ApiTags('anchors')
@Controller('anchors')
export class AnchorsController {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: "The latest signed head of each journal (every 10,000 records and at each default's close), as its owner published it" })
  @ApiOkResponse({ schema: schemaRef('AnchorList') })
  async list(): Promise<AnchorList> {
    return { anchors: await readLatestAnchors(this.dataSource.manager) };
  }
}
