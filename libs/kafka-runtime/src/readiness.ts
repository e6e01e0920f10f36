import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';

export interface DependencyCheck {
  readonly ok: boolean;
  /** why not, when not */
  readonly reason: string | null;
}

export interface DependencyReadiness {
  readonly broker: DependencyCheck;
  /** null when the service runs without read models */
  readonly database: DependencyCheck | null;
}

const PROBE_TIMEOUT_MS = 1_000;
/** health is polled often; the answer is reused this long */
const CACHE_MS = 1_500;

/**
 * Whether the broker and the database answer now (a cheap metadata request, `SELECT 1`), each with
 * a short deadline: a service that cannot reach either is not ready, whatever its phase says.
 */
export class ReadinessProbe {
  private cached: { at: number; value: Promise<DependencyReadiness> } | null = null;

  constructor(
    private readonly admin: () => Admin | null,
    private readonly dataSource: DataSource | null,
  ) {}

  check(now = Date.now()): Promise<DependencyReadiness> {
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.value;
    const value = Promise.all([this.broker(), this.database()]).then(([broker, database]) => ({ broker, database }));
    this.cached = { at: now, value };
    return value;
  }

  private async broker(): Promise<DependencyCheck> {
    const admin = this.admin();
    if (!admin) return { ok: false, reason: 'not connected to the broker yet' };
    return withDeadline(admin.describeCluster().then(() => undefined), 'the broker');
  }

  private async database(): Promise<DependencyCheck | null> {
    if (!this.dataSource) return null;
    if (!this.dataSource.isInitialized) return { ok: false, reason: 'the database connection is not initialized' };
    return withDeadline(this.dataSource.query('SELECT 1').then(() => undefined), 'the database');
  }
}

async function withDeadline(probe: Promise<void>, what: string): Promise<DependencyCheck> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DependencyCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `${what} did not answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe.then(() => ({ ok: true, reason: null })), deadline]);
  } catch (error: unknown) {
    return { ok: false, reason: `${what}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}
