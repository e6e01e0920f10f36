import { Producer, PRODUCERS } from './envelope';

/**
 * snapshots.jsonl beside exported journals (docs/adr/0012-snapshots.md): the fold snapshots a
 * deployment stored, one per line, their bytes in base64, for the audit to check against the
 * journals. Written by the Kafka export, read by `ccp audit verify`.
 */
export const SNAPSHOTS_FILE = 'snapshots.jsonl';

export interface ExportedSnapshot {
  readonly producer: Producer;
  readonly seq: number;
  readonly headHash: string;
  /** decimal string (a Kafka offset) */
  readonly resumeOffset: string;
  /** V8 structured clone of the fold point (engine: encodeFoldPoint) */
  readonly state: Uint8Array;
  readonly stateSha256: string;
  readonly signature: string;
}

export function serializeSnapshotLine(s: ExportedSnapshot): string {
  return JSON.stringify({ producer: s.producer, seq: s.seq, headHash: s.headHash, resumeOffset: s.resumeOffset, stateSha256: s.stateSha256, signature: s.signature, state: Buffer.from(s.state).toString('base64') });
}

/** The snapshots of a snapshots.jsonl text; a line that is not one throws, naming the line. */
export function parseSnapshotLines(text: string, origin: string): ExportedSnapshot[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => {
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${origin} line ${i + 1}: not JSON`);
      }
      const text = (k: string): string => {
        if (typeof v[k] !== 'string') throw new Error(`${origin} line ${i + 1}: ${k} must be a string`);
        return v[k] as string;
      };
      if (!(PRODUCERS as readonly unknown[]).includes(v['producer']) || !Number.isInteger(v['seq'])) throw new Error(`${origin} line ${i + 1}: not a snapshot (producer, seq)`);
      return { producer: v['producer'] as Producer, seq: v['seq'] as number, headHash: text('headHash'), resumeOffset: text('resumeOffset'), stateSha256: text('stateSha256'), signature: text('signature'), state: Buffer.from(text('state'), 'base64') };
    });
}
