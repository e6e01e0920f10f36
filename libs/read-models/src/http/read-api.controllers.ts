import { applyDecorators, Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { readLatestAnchors } from '../projection/project-journal-records';
import { findAccount, findDefaultCase, listDefaults, readFunds } from '../queries/read-model.queries';
import type { AccountView, AnchorList, DefaultCaseView, DefaultList, FundsView, ListDefaultsQuery } from '../queries/read-model.views';
import { listDefaultsQuerySchema } from '../queries/read-model.views';
import { identifier, type ReadApiPrincipal } from '@ccp/contracts';
import { Principal, ReadApiTokenGuard, requireMember } from './read-api.auth';
import { READ_MODEL_DATA_SOURCE } from './read-api.tokens';
import { ZodValidationPipe } from './zod-validation.pipe';

/** OpenAPI references to the schemas read-api.openapi.ts registers from the zod views. */
export const schemaRef = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const BAD_REQUEST = { description: 'a parameter is invalid; `issues` names each field', schema: schemaRef('ValidationError') };

/** Every read-API controller: a bearer token (JWT) is required; see docs/adr/0008-read-api-tokens.md for who may read what. */
const Authenticated = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    UseGuards(ReadApiTokenGuard),
    ApiBearerAuth('token'),
    ApiUnauthorizedResponse({ description: 'no bearer token, or one that does not verify (expired, wrong audience or issuer, bad signature); WWW-Authenticate says why' }),
  );
const FORBIDDEN = { description: "a member's token asking for another member's data" };

@ApiTags('accounts')
@Authenticated()
@Controller('accounts')
export class AccountsController {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get(':accountId')
  @ApiOperation({ summary: "One account as margin's journal states it" })
  @ApiParam({ name: 'accountId', description: 'letters, digits and . _ : @ - /' })
  @ApiOkResponse({ schema: schemaRef('Account') })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'no such account in the read model' })
  @ApiForbiddenResponse(FORBIDDEN)
  async get(@Param('accountId', new ZodValidationPipe(identifier, 'path.accountId')) accountId: string, @Principal() principal: ReadApiPrincipal): Promise<AccountView> {
    const account = await findAccount(this.dataSource.manager, accountId);
    if (account === null) throw new NotFoundException(`account ${accountId} is not known`);
    requireMember(principal, account.memberId, 'accounts');
    return account;
  }
}

@ApiTags('funds')
@Authenticated()
@Controller('funds')
export class FundsController {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: "Insurance fund, member contributions and SITG tranches, with what is due for replenishment (a member's token sees only its own contribution row)" })
  @ApiOkResponse({ schema: schemaRef('Funds') })
  async funds(@Principal() principal: ReadApiPrincipal): Promise<FundsView> {
    const funds = await readFunds(this.dataSource.manager);
    return principal.role === 'auditor' ? funds : { ...funds, members: funds.members.filter((m) => m.memberId === principal.memberId) };
  }
}

@ApiTags('defaults')
@Authenticated()
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
  @ApiForbiddenResponse(FORBIDDEN)
  list(@Query(new ZodValidationPipe(listDefaultsQuerySchema, 'query')) query: ListDefaultsQuery, @Principal() principal: ReadApiPrincipal): Promise<DefaultList> {
    if (principal.role === 'auditor') return listDefaults(this.dataSource.manager, query);
    // a member lists the defaults of its own accounts only
    if (query.memberId !== undefined) requireMember(principal, query.memberId, 'defaults');
    return listDefaults(this.dataSource.manager, { ...query, memberId: principal.memberId });
  }

  @Get(':defaultId')
  @ApiOperation({ summary: 'One default, assembled from the four journals as far as each is known' })
  @ApiParam({ name: 'defaultId', description: 'e.g. default:acct-1:acct-1@7 (percent-encode reserved characters)' })
  @ApiOkResponse({ schema: schemaRef('DefaultCase') })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse({ description: 'no journal has said anything about this default' })
  @ApiForbiddenResponse(FORBIDDEN)
  async get(@Param('defaultId', new ZodValidationPipe(identifier, 'path.defaultId')) defaultId: string, @Principal() principal: ReadApiPrincipal): Promise<DefaultCaseView> {
    const found = await findDefaultCase(this.dataSource.manager, defaultId);
    if (found === null) throw new NotFoundException(`default ${defaultId} is not known`);
    requireMember(principal, found.memberId, 'defaults (those of its own accounts)');
    return found;
  }
}

@ApiTags('anchors')
@Authenticated()
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
