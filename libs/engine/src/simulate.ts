import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  anchorFor,
  anchorOf,
  ANCHORS_FILE,
  canonicalJson,
  developmentJournalKeys,
  EventEnvelope,
  GeneratedKeys,
  JournalAnchor,
  JournalSigner,
  KEYRING_FILE,
  keyringToFile,
  PRODUCERS,
  Producer,
  RejectionError,
  serializeAnchor,
  signerOf,
} from '@ccp/contracts';
import { EmbeddedEngine } from './engine';
import { FileJournalSink } from './file-journal';
import { JournalSink, MemoryJournalSink } from './journal';
import { JournalHead, OutcomeCollector, OutcomeSummary } from './outcome';
import { JournaledDecider } from './registry';
import { loadScenario } from './scenario';

export const journalFileName = (producer: Producer): string => `${producer}.journal.jsonl`;

export interface SimulationResult {
  readonly summary: OutcomeSummary;
  /** present when run in memory */
  readonly journals?: Record<Producer, MemoryJournalSink>;
  /** the signed heads written beside the journals (anchors.jsonl), in the order taken */
  readonly anchors: readonly JournalAnchor[];
}

export interface SimulateOptions {
  /** write journals and outcome.json here; omitted: keep everything in memory */
  readonly outDir?: string;
  readonly onProgress?: (inputs: number) => void;
  /** the journals' keys (private, to sign heads; keyring.json gets the public ones); default the development keys */
  readonly keys?: GeneratedKeys;
}

/**
 * Runs a scenario through the embedded engine. Every step is validated before it is applied; the
 * first rejected step aborts the run and nothing is left behind (files are written to a `.partial`
 * folder that is renamed into place only when the whole run succeeded).
 */
export function simulate(scenario: unknown, deciders: Readonly<Record<Producer, JournaledDecider>>, options: SimulateOptions = {}): SimulationResult {
  const partial = options.outDir ? `${options.outDir}.partial` : null;
  const fileSinks: FileJournalSink[] = [];
  let memory: Record<Producer, MemoryJournalSink> | undefined;
  let sinks: Record<Producer, JournalSink>;
  if (partial) {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const files = {} as Record<Producer, JournalSink>;
    for (const p of PRODUCERS) {
      const sink = new FileJournalSink(join(partial, journalFileName(p)));
      fileSinks.push(sink);
      files[p] = sink;
    }
    sinks = files;
  } else {
    memory = Object.fromEntries(PRODUCERS.map((p) => [p, new MemoryJournalSink()])) as Record<Producer, MemoryJournalSink>;
    sinks = memory;
  }

  const outcome = new OutcomeCollector();
  const keys = options.keys ?? developmentJournalKeys();
  const anchoring = new JournalAnchoring(keys);
  const engine = new EmbeddedEngine(deciders, sinks, {
    onRecord: (r) => {
      outcome.onRecord(r);
      anchoring.onRecord(r);
    },
  });
  let inputs = 0;
  let name = 'scenario';
  try {
    if (scenario && typeof scenario === 'object' && typeof (scenario as { name?: unknown }).name === 'string') name = (scenario as { name: string }).name;
    for (const step of loadScenario(scenario, deciders)) {
      const rejected = engine.submit({ target: step.target, command: step.command, causationId: null, source: null, commandId: step.commandId });
      if (rejected) throw new RejectionError({ ...rejected, path: [step.origin, rejected.path].filter(Boolean).join('.') });
      inputs += 1;
      if (options.onProgress && inputs % 10_000 === 0) options.onProgress(inputs);
    }
  } catch (error) {
    for (const s of fileSinks) s.close();
    if (partial) rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  for (const s of fileSinks) s.close();

  const heads = Object.fromEntries(PRODUCERS.map((p) => [p, { records: engine.writer(p).nextSeq, headHash: engine.writer(p).headHash } satisfies JournalHead])) as Record<
    Producer,
    JournalHead
  >;
  const summary = outcome.summary(name, inputs, heads);
  const anchors = anchoring.close();
  if (partial && options.outDir) {
    writeFileSync(join(partial, 'outcome.json'), `${JSON.stringify(JSON.parse(canonicalJson(summary)), null, 2)}\n`);
    writeFileSync(join(partial, ANCHORS_FILE), anchors.map((a) => `${serializeAnchor(a)}\n`).join(''));
    writeFileSync(join(partial, KEYRING_FILE), `${JSON.stringify(keyringToFile(keys.keyring), null, 2)}\n`);
    if (existsSync(options.outDir)) rmSync(options.outDir, { recursive: true, force: true });
    renameSync(partial, options.outDir);
  }
  return memory ? { summary, journals: memory, anchors } : { summary, anchors };
}

/**
 * The anchors of a run (journal-anchor.ts): each journal's owner signs its head at the records the
 * rule names, and at its last record when the run ends (a 'head' anchor: the signature that covers
 * the whole journal). The same rule the services apply, so both shells anchor the same seqs.
 */
export class JournalAnchoring {
  private readonly signers: Record<Producer, JournalSigner>;
  private readonly last = new Map<Producer, EventEnvelope>();
  private readonly anchors: JournalAnchor[] = [];

  constructor(keys: GeneratedKeys) {
    this.signers = Object.fromEntries(PRODUCERS.map((p) => [p, signerOf(p, keys.privateKeys[p])])) as Record<Producer, JournalSigner>;
  }

  onRecord(record: EventEnvelope): void {
    this.last.set(record.producer, record);
    const anchor = anchorFor(record, this.signers[record.producer]);
    if (anchor) this.anchors.push(anchor);
  }

  /** Adds each journal's closing 'head' anchor and returns every anchor taken. */
  close(): JournalAnchor[] {
    for (const p of PRODUCERS) {
      const record = this.last.get(p);
      if (record) this.anchors.push(anchorOf(record, this.signers[p].signHead(record.seq, record.hash), 'head'));
    }
    return this.anchors;
  }
}
