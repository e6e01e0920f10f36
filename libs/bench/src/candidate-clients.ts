import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The candidate Kafka clients live outside the workspace's dependencies: infra/scripts/
 * kafka-clients-install.sh installs them into .tools/kafka-clients/ (git-ignored, its own
 * package.json of exact versions), and the bench loads them from there. A client that is not
 * installed is reported as such, never a failure of the bench.
 */

export const CANDIDATES_DIR = '.tools/kafka-clients';
export const NOT_INSTALLED = 'not installed (run bash infra/scripts/kafka-clients-install.sh)';

export type CandidatePackage = '@platformatic/kafka' | '@confluentinc/kafka-javascript';

export type Loaded<T> = { readonly loaded: true; readonly module: T; readonly version: string } | { readonly loaded: false; readonly reason: string };

/** How long the install script took for one client (`.tools/kafka-clients/install-times.json`). */
export interface InstallCost {
  readonly seconds: number;
  readonly how: string;
  readonly measuredAt: string;
  /** 1, 5 and 15 min load average when the script finished */
  readonly loadAverage: string;
  readonly npmCache: string;
}

interface InstallTimesFile {
  readonly measuredAt: string;
  readonly loadAverage: string;
  readonly npmCache: string;
  readonly clients: Readonly<Record<string, { readonly version: string; readonly seconds: number; readonly how: string }>>;
}

/**
 * Loads `name` from .tools/kafka-clients/node_modules. The module's shape is the caller's
 * declaration (T): the package's own types are not on the workspace's path.
 */
export function loadCandidate<T>(root: string, name: CandidatePackage): Loaded<T> {
  const dir = join(root, CANDIDATES_DIR);
  const manifest = join(dir, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return { loaded: false, reason: NOT_INSTALLED };
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  try {
    const module = createRequire(join(dir, 'package.json'))(name) as T;
    return { loaded: true, module, version };
  } catch (error: unknown) {
    return { loaded: false, reason: `installed (${version}) but does not load under Node ${process.version}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (re-run bash infra/scripts/kafka-clients-install.sh)` };
  }
}

/** The install cost the script recorded for `name` at `version`, if it recorded one for that version (kafkajs: timed for comparison). */
export function installCost(root: string, name: CandidatePackage | 'kafkajs', version: string): InstallCost | null {
  const path = join(root, CANDIDATES_DIR, 'install-times.json');
  if (!existsSync(path)) return null;
  const file = JSON.parse(readFileSync(path, 'utf8')) as InstallTimesFile;
  const entry = file.clients[name];
  if (!entry || entry.version !== version) return null;
  return { seconds: entry.seconds, how: entry.how, measuredAt: file.measuredAt, loadAverage: file.loadAverage, npmCache: file.npmCache };
}
