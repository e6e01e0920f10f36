import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { accountViewSchema, anchorListSchema, defaultCaseViewSchema, defaultListSchema, fundsViewSchema } from '../queries/read-model.views';

const validationErrorSchema = z
  .object({
    statusCode: z.literal(400),
    error: z.literal('Bad Request'),
    message: z.string().describe('every issue as `field: message`, joined by "; "'),
    issues: z.array(z.object({ field: z.string().describe('e.g. query.limit, path.accountId'), message: z.string() }).strict()),
  })
  .strict();

/** The response schemas, from the same zod views the API returns and the tests check. */
export const READ_API_SCHEMAS = {
  Account: accountViewSchema,
  Funds: fundsViewSchema,
  DefaultCase: defaultCaseViewSchema,
  DefaultList: defaultListSchema,
  AnchorList: anchorListSchema,
  ValidationError: validationErrorSchema,
} as const;

export interface OpenApiOptions {
  /** e.g. 'ccp margin service' */
  readonly title?: string;
  readonly version?: string;
}

/** The OpenAPI document of the app's routes, with the read models' schemas as components. */
export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions = {}): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(options.title ?? 'ccp read API')
    .setDescription('Read models projected from the journals: accounts (margin), fund balances (default fund), default cases (every service). Amounts are decimal strings in USD.')
    .setVersion(options.version ?? '1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "a JWT of the deployment's token issuer: ccp_role auditor (everything) or member with ccp_member (its own data)" }, 'token')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const schemas = Object.fromEntries(Object.entries(READ_API_SCHEMAS).map(([name, schema]) => [name, z.toJSONSchema(schema, { target: 'openapi-3.0' })]));
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...(schemas as NonNullable<OpenAPIObject['components']>['schemas']) } };
  return document;
}

/** Serves the document at /openapi.json and Swagger UI at /docs. Call before `app.listen`. */
export function setupOpenApi(app: INestApplication, options: OpenApiOptions = {}): OpenAPIObject {
  const document = buildOpenApiDocument(app, options);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return document;
}

/** Writes the app's OpenAPI document (pretty JSON, trailing newline), e.g. to docs/openapi/margin.json. */
export function writeOpenApiDocument(app: INestApplication, file: string, options: OpenApiOptions = {}): OpenAPIObject {
  const document = buildOpenApiDocument(app, options);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return document;
}
