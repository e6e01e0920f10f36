/**
 * Validates a Compose file without a Docker engine: YAML → Compose specification JSON schema (ajv,
 * draft 2019-09) → cross-references that `docker compose config` would also reject.
 *
 *   node -r @swc-node/register infra/compose/validate-compose.ts [docker-compose.yml]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parseDocument } from 'yaml';

const SCHEMA_FILE = join(__dirname, 'compose-spec.schema.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function loadSchema(): JsonObject {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  const expected = readFileSync(`${SCHEMA_FILE}.sha256`, 'utf8').trim();
  const actual = createHash('sha256').update(text).digest('hex');
  if (actual !== expected) throw new Error(`${SCHEMA_FILE} does not match its recorded sha256 (${expected}); see infra/compose/README.md`);
  return JSON.parse(text) as JsonObject;
}

function parseCompose(file: string): JsonObject {
  // merge: the YAML 1.1 `<<` key, as docker-compose and Compose v2 read it
  const document = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true, prettyErrors: true, merge: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join('\n'));
  const value = document.toJS({ maxAliasCount: 100 }) as Json;
  if (!isObject(value)) throw new Error(`${file} is not a YAML mapping`);
  return value;
}

/** Drops the draft-04 `id: "<string>"` annotations (Ajv rejects `id`); a property named id is kept. */
function withoutLegacyIds(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' && typeof value === 'string') continue;
    out[key] = withoutLegacyIds(value);
  }
  return out;
}

function schemaErrors(compose: JsonObject): string[] {
  const ajv = new Ajv2019({ allErrors: true, strict: false }) // strict off: the schema carries unknown annotation keywords;
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  ajv.addFormat('subnet_ip_address', /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]+)\/[0-9]{1,3}$/);
  // The file names its draft as "http://json-schema.org/draft/2019-09/schema#"; Ajv2019 knows the
  // draft under its https id. The class is the draft, so the reference is checked and dropped.
  const { $schema: draft, ...schema } = loadSchema();
  if (typeof draft !== 'string' || !draft.includes('draft/2019-09')) throw new Error(`expected a draft 2019-09 schema, got ${String(draft)}`);
  const validate = ajv.compile(withoutLegacyIds(schema) as JsonObject);
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

function dependencyNames(dependsOn: Json | undefined): string[] {
  if (Array.isArray(dependsOn)) return dependsOn.filter((name): name is string => typeof name === 'string');
  return isObject(dependsOn) ? Object.keys(dependsOn) : [];
}

function crossReferenceErrors(compose: JsonObject, baseDir: string): string[] {
  const errors: string[] = [];
  const services = isObject(compose['services']) ? compose['services'] : {};
  const declaredVolumes = new Set(isObject(compose['volumes']) ? Object.keys(compose['volumes']) : []);
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service)) continue;
    if (service['image'] === undefined && service['build'] === undefined) errors.push(`services.${name}: needs an image or a build`);
    for (const dependency of dependencyNames(service['depends_on'])) {
      if (!(dependency in services)) errors.push(`services.${name}.depends_on: no service '${dependency}'`);
    }
    const build = service['build'];
    if (isObject(build)) {
      const context = resolve(baseDir, typeof build['context'] === 'string' ? build['context'] : '.');
      const dockerfile = typeof build['dockerfile'] === 'string' ? build['dockerfile'] : 'Dockerfile';
      if (!existsSync(resolve(context, dockerfile))) errors.push(`services.${name}.build: no file ${dockerfile} in ${context}`);
    }
    for (const volume of Array.isArray(service['volumes']) ? service['volumes'] : []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : isObject(volume) && typeof volume['source'] === 'string' ? volume['source'] : undefined;
      if (source === undefined || source === '') continue;
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(resolve(baseDir, source))) errors.push(`services.${name}.volumes: no file or folder ${source}`);
      } else if (!declaredVolumes.has(source)) {
        errors.push(`services.${name}.volumes: named volume '${source}' is not declared under volumes`);
      }
    }
  }
  return errors;
}

function main(): void {
  const file = resolve(process.argv[2] ?? 'docker-compose.yml');
  const compose = parseCompose(file);
  const errors = [...schemaErrors(compose), ...crossReferenceErrors(compose, dirname(file))];
  if (errors.length > 0) {
    process.stderr.write(`[compose] ${file} is not valid:\n${errors.map((error) => `  - ${error}`).join('\n')}\n`);
    process.exit(1);
  }
  const services = isObject(compose['services']) ? Object.keys(compose['services']) : [];
  process.stderr.write(`[compose] ${file}: valid against the Compose specification (services: ${services.join(', ')})\n`);
}

try {
  main();
} catch (error: unknown) {
  process.stderr.write(`[compose] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
