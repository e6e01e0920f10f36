import { allocationBasisCapturedPayload, residualLossForwardedPayload } from '@ccp/contracts';
import { parseSummary, parseUserCsv, StudyInputError, USER_CSV_COLUMNS } from './hyperliquid-import';
import { buildStudyBasis, STUDY_INSTRUMENT, STUDY_MEMBER, studyDefault } from './study-basis';

const HEADER = USER_CSV_COLUMNS.join(',');
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

// A small fixture in the upstream's format (Python float reprs, exponents included).
const GOOD = [
  // single fill, whole position closed: leverage = 7240 / 10164.959476
  `${addr(1)},7240.000000000001,2300.34,0.71225074896698,31.77348066298341,10164.959476,False,1`,
  // several fills: leverage is a mean, not checked against notional ÷ value
  `${addr(2)},134772.166555,102756.292615,0.06738591875526938,74.80587056628703,343839.71936799993,False,6`,
  // exponent notation, tiny account value: equity 0.0000150 + 0.0092159 rounds to 0 cents, below
  // the 1-cent maintenance of any position (A7) — margin would liquidate it: excluded
  `${addr(3)},0.022144,0.009216,1476.2666666682635,41.61849710982659,1.4999999999983776e-05,False,1`,
  // flagged negative equity: a defaulter, excluded from the basis
  `${addr(4)},5000,-100,0,-2,-300,True,1`,
  // a loss beyond its notional: cannot be a short at mark 1 (entry ≤ 0)
  `${addr(5)},100,-150,0.5,-150,200,False,1`,
];

const BAD: { row: string; kind: string; field: string; reason: RegExp }[] = [
  { row: `${addr(10)},1,2,3`, kind: 'malformed', field: 'row', reason: /expected 8 columns, found 4/ },
  { row: `0xZZ,1,0,0,0,1,False,1`, kind: 'malformed', field: 'user', reason: /not an address/ },
  { row: `${addr(11)},nan,0,0,0,1,False,1`, kind: 'malformed', field: 'adl_notional', reason: /not a finite number: "nan"/ },
  { row: `${addr(12)},10,inf,0,0,1,False,1`, kind: 'malformed', field: 'closed_pnl', reason: /not a finite number/ },
  { row: `${addr(13)},10,1,,0,1,False,1`, kind: 'malformed', field: 'leverage_realtime', reason: /not a finite number: ""/ },
  { row: `${addr(14)},10,1,1,0,10,yes,1`, kind: 'malformed', field: 'is_negative_equity', reason: /expected True or False/ },
  { row: `${addr(15)},10,1,1,0,10,False,0`, kind: 'malformed', field: 'num_adl_events', reason: /positive integer/ },
  { row: `${addr(16)},10,1,1,0,10,False,1.5`, kind: 'malformed', field: 'num_adl_events', reason: /positive integer/ },
  { row: `"${addr(17)}",10,1,1,0,10,False,1`, kind: 'malformed', field: 'row', reason: /quoted/ },
  { row: `${addr(1)},10,1,1,0,10,False,1`, kind: 'malformed', field: 'user', reason: /duplicate user/ },
  { row: `${addr(18)},0,1,0,0,10,False,1`, kind: 'inconsistent', field: 'adl_notional', reason: /positive notional/ },
  { row: `${addr(19)},-5,1,0,0,10,False,2`, kind: 'inconsistent', field: 'adl_notional', reason: /positive notional/ },
  { row: `${addr(20)},10,1,-1,0,10,False,2`, kind: 'inconsistent', field: 'leverage_realtime', reason: /cannot be negative/ },
  { row: `${addr(21)},10,1,2,0,-10,False,1`, kind: 'inconsistent', field: 'leverage_realtime', reason: /upstream reports leverage 0/ },
  // closed 100 of a position worth 0.5 × 200 = 100 → fine at 0.5; at 0.4 the position was smaller than the close
  { row: `${addr(22)},100,1,0.4,0,200,False,1`, kind: 'inconsistent', field: 'leverage_realtime', reason: /below closed notional/ },
];

const csv = (rows: string[]) => [HEADER, ...rows, ''].join('\n');

describe('parseUserCsv', () => {
  it('keeps well-formed rows exactly (no float rounding)', () => {
    const result = parseUserCsv(csv(GOOD));
    expect(result.rowsRead).toBe(5);
    expect(result.rejected).toEqual([]);
    expect(result.accepted.map((r) => r.user)).toEqual([1, 2, 3, 4, 5].map(addr));
    const first = result.accepted[0]!;
    expect(first.adlNotional.toString()).toBe('7240.000000000001');
    expect(first.accountValue.toString()).toBe('10164.959476');
    expect(result.accepted[2]!.accountValue.toString()).toBe('0.000014999999999983776');
    expect(result.accepted[3]!.negativeEquity).toBe(true);
    expect(result.accepted[1]!.adlEvents).toBe(6);
  });

  it.each(BAD)('rejects $kind $field: $row', ({ row, kind, field, reason }) => {
    const result = parseUserCsv(csv([...GOOD, row]));
    expect(result.accepted).toHaveLength(GOOD.length);
    expect(result.rejected).toHaveLength(1);
    const [r] = result.rejected;
    expect(r).toMatchObject({ line: GOOD.length + 2, kind, field });
    expect(r!.reason).toMatch(reason);
  });

  it('accounts for every row: kept + rejected = read, rejections counted by kind and field', () => {
    const result = parseUserCsv(csv([...GOOD, ...BAD.map((b) => b.row)]));
    expect(result.rowsRead).toBe(GOOD.length + BAD.length);
    expect(result.accepted.length + result.rejected.length).toBe(result.rowsRead);
    expect(result.rejectedBy.get('malformed: user')).toBe(2);
    expect(result.rejectedBy.get('inconsistent: leverage_realtime')).toBe(3);
    expect([...result.rejectedBy.values()].reduce((a, b) => a + b, 0)).toBe(BAD.length);
  });

  it('refuses a file whose header is not the upstream one', () => {
    expect(() => parseUserCsv('user,notional\n')).toThrow(StudyInputError);
    expect(() => parseUserCsv('')).toThrow(/header/);
  });
});

describe('parseSummary', () => {
  const summary = `{"adl_events_analyzed": 34983, "accounts_tracked": 437723, "events_processed": 3239706,
    "key_findings": {"negative_equity_count": 302, "negative_equity_total": -23191104.484828815, "total_adl_notional": 2103111430.859329}}`;

  it('reads the headline figures from the text, exactly', () => {
    const s = parseSummary(summary);
    expect(s.deficit.toString()).toBe('23191104.484828815');
    expect(s.totalAdlNotional.toString()).toBe('2103111430.859329');
    expect([s.adlEvents, s.accountsTracked, s.eventsProcessed, s.negativeEquityCount]).toEqual([34983, 437723, 3239706, 302]);
  });

  it.each([
    ['not JSON', '{', /summary: not JSON/],
    ['no key_findings', '{"adl_events_analyzed": 1}', /summary.key_findings: missing/],
    ['a forbidden key', '{"key_findings": {"__proto__": {"negative_equity_total": -1}}}', /summary.key_findings.__proto__: the key "__proto__" is not allowed/],
    ['a positive negative-equity total', summary.replace('-23191104.484828815', '23191104.48'), /must be < 0/],
    ['a fractional count', summary.replace('34983', '34983.5'), /adl_events_analyzed: expected a non-negative integer/],
    ['a missing figure', summary.replace('"total_adl_notional": 2103111430.859329', '"x": 1'), /total_adl_notional: missing/],
  ])('refuses %s', (_label, text, error) => {
    expect(() => parseSummary(text)).toThrow(error);
  });
});

describe('buildStudyBasis and studyDefault', () => {
  const summary = parseSummary('{"adl_events_analyzed": 5, "accounts_tracked": 5, "events_processed": 5, "key_findings": {"negative_equity_count": 1, "negative_equity_total": -1000.005, "total_adl_notional": 1}}');

  it('models each kept account as a short at mark 1 with entry 1 + pnl ÷ notional; excludes defaulters, unrepresentable rows and accounts below maintenance with a reason', () => {
    const basis = buildStudyBasis(parseUserCsv(csv(GOOD)).accepted, summary);
    expect(allocationBasisCapturedPayload.parse(basis.payload)).toEqual(basis.payload);
    expect(basis.included.map((r) => r.user)).toEqual([1, 2].map(addr));
    expect(basis.excluded.map((e) => [e.user, e.reason])).toEqual([
      [addr(3), 'below-maintenance'],
      [addr(4), 'negative-equity'],
      [addr(5), 'unrepresentable'],
    ]);
    // 0.022144 × 0.41618497 = 0.0092159… → 0 cents toward −∞; cash 0.000015 → 0 cents
    expect(basis.excluded[0]!.equity).toBe(0n);
    const p = basis.payload.participants[0]!;
    expect(p).toEqual({
      accountId: addr(1),
      memberId: STUDY_MEMBER,
      cashBalance: '10164.96',
      equity: '12465.3', // 10164.96 + 2300.34
      variationMarginGain: '2300.34', // equity − the deposit 10164.96
      positions: [
        {
          instrumentId: STUDY_INSTRUMENT,
          side: 'short',
          quantity: '7240',
          entryPrice: '1.31772652', // 1 + 2300.34 / 7240.000000000001, half-even at 8 decimals
          markPrice: '1',
          contractSize: '1',
          unrealizedPnl: '2300.34', // 7240 × 0.31772652 = 2300.3400048, toward −∞ to the cent
          maintenanceMarginRequired: '3.62', // 0.05% of 7240
        },
      ],
    });
    // 7240 + 134772.166555, at 8 decimals
    expect(basis.openInterest).toBe(14_201_216_655_500n);
    expect(basis.deficit).toBe(100_000n); // 1000.005 half-even → 1000.00
  });

  it('defaults the open interest with a bankruptcy price whose loss covers the deficit', () => {
    const basis = buildStudyBasis(parseUserCsv(csv(GOOD)).accepted, summary);
    const d = studyDefault(basis);
    expect(residualLossForwardedPayload.parse(d)).toEqual(d);
    expect(d.residual).toBe('1000');
    const [pos] = d.positions;
    expect(pos!.quantity).toBe('142012.166555');
    // B − 1 = 1000 ÷ 142012.166555 = 0.00704165019…, rounded up at 8 decimals = 0.00704166
    expect(pos!.bankruptcyPrice).toBe('1.00704166');
    const quarter = studyDefault(basis, { label: '25%', num: 1n, den: 4n });
    expect(quarter.positions[0]!.quantity).toBe('35503.04163875'); // 142012.166555 ÷ 4, rounded up
    expect(() => studyDefault(basis, { label: '0', num: 0n, den: 1n })).toThrow(/must be in \(0, 1\]/);
  });
});
