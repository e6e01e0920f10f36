/**
 * Applies libs/persistence's TypeORM migrations to DATABASE_URL.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccp node -r @swc-node/register infra/postgres/migrate.ts
 */
import { createDataSource, databaseUrlFromEnv, migrate } from '../../libs/persistence/src/index';

async function main(): Promise<void> {
  const url = databaseUrlFromEnv();
  const dataSource = createDataSource({ url, applicationName: 'ccp-migrate', poolSize: 2 });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource);
    const where = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    process.stderr.write(`[migrate] ${where}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[migrate] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
