/**
 * infra/grafana/ccp-services.json is a Grafana dashboard over the series the services expose: a
 * Prometheus datasource variable every panel and query uses, unique panel ids, and only metric names
 * the services serve (SERVICE_METRICS; histograms by their _bucket/_sum/_count series) besides `up`.
 * The observability e2e runs every query against a real Prometheus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_METRICS } from './telemetry';

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ type: string; name: string; query: unknown; datasource?: { uid: string } }> };
}

const DASHBOARD_FILE = join(__dirname, '../../../infra/grafana/ccp-services.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const queried = dashboard.panels.filter((p) => p.type !== 'row');

const HISTOGRAMS: readonly string[] = [SERVICE_METRICS.decisionDuration, SERVICE_METRICS.batchDuration];
const SERVED = new Set<string>([
  'up',
  ...Object.values(SERVICE_METRICS).filter((name) => !HISTOGRAMS.includes(name)),
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

describe('the Grafana dashboard (infra/grafana/ccp-services.json)', () => {
  it('is a dashboard model with a Prometheus datasource variable and job and service variables over it', () => {
    expect({ uid: dashboard.uid, title: dashboard.title, schemaVersion: dashboard.schemaVersion >= 36 }).toEqual({ uid: 'ccp-services', title: 'ccp services', schemaVersion: true });
    const variables = dashboard.templating.list;
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['job', 'producer']) expect(variables.find((v) => v.name === name)).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
  });

  it('every panel queries through the datasource variable, ids are unique, panels sit inside the 24-column grid', () => {
    expect(queried.length).toBeGreaterThan(0);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of queried) {
      expect({ panel: p.title, datasource: p.datasource, targets: (p.targets ?? []).length > 0, fits: p.gridPos.x + p.gridPos.w <= 24 }).toEqual({
        panel: p.title,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        targets: true,
        fits: true,
      });
      for (const t of p.targets!) expect({ panel: p.title, ref: t.refId, datasource: t.datasource.uid }).toEqual({ panel: p.title, ref: t.refId, datasource: '${datasource}' });
    }
  });

  it('names only series the services serve, and shows every one of them', () => {
    const names = queried.flatMap((p) => p.targets!.flatMap((t) => [...t.expr.matchAll(/\b(ccp_[a-z_]+|up)\b(?=\s*[{[(]|\s*$|\s*\))/g)].map((m) => m[1]!)));
    expect([...new Set(names)].filter((n) => !SERVED.has(n))).toEqual([]);
    const shown = new Set(names.map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect(Object.values(SERVICE_METRICS).filter((m) => !shown.has(m))).toEqual([]);
  });
});
