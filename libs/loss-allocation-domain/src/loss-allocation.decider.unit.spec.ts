import fc from 'fast-check';
import {
  allocationBasisRequestedPayload,
  canonicalJson,
  LOSS_ALLOCATION_EVENT_SCHEMAS,
  lossAllocatedPayload,
  ResidualLossForwardedPayload,
  AllocationBasisCapturedPayload,
} from '@ccp/contracts';
import { LossAllocationCommand, lossAllocationDecider, LossAllocationEvent, LossAllocationState } from './loss-allocation.decider';
import { basis, defaulted, participant, profitable, scenarioArb } from './testing/allocation.fixtures';

const FC_RUNS = Number(process.env['FC_RUNS'] ?? 1000);
// property tests at 1000 runs and the 100k-participant basis outlast Jest's 5 s default on a loaded 2-core machine
jest.setTimeout(120_000);

const meta = { occurredAt: '2025-10-10T21:15:00Z', correlationId: 'default:acct-x:7' };
const DEFAULT_ID = 'default:acct-x:7';

const residualLoss = (over: Partial<ResidualLossForwardedPayload> = {}): ResidualLossForwardedPayload => ({
  defaultId: DEFAULT_ID,
  accountId: 'acct-x',
  memberId: 'member-x',
  deficit: '25000',
  covered: '7000',
  residual: '18000',
  positions: [defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })],
  ...over,
});

/** The OKX 2018-style basis: three winners (10k, 25k, 65k profit), one loser, and the defaulter itself. */
const okxBasis = (over: Partial<AllocationBasisCapturedPayload> = {}): AllocationBasisCapturedPayload => ({
  ...basis([profitable('okx-c', '65000'), profitable('okx-a', '10000'), profitable('okx-loser', '-4000'), profitable('okx-b', '25000'), profitable('acct-x', '999999')], {}, DEFAULT_ID),
  ...over,
});

// Given events
const policySet = (policy: 'socialized-loss' | 'adl', variant: string, params: Record<string, unknown>): LossAllocationEvent =>
  ({ type: 'AllocationPolicySet', stream: 'loss-allocation:policy', payload: { policy, variant, policyKey: `${policy}:${variant}`, params, effectiveAt: '2025-10-10T00:00:00Z' } }) as LossAllocationEvent;
const socialized = policySet('socialized-loss', 'pro-rata-profit', { maxHaircutShare: '1' });
const received = (p = residualLoss()): LossAllocationEvent => ({ type: 'ResidualLossReceived', stream: p.defaultId, correlationId: p.defaultId, payload: p });
const requested: LossAllocationEvent = { type: 'AllocationBasisRequested', stream: DEFAULT_ID, correlationId: DEFAULT_ID, payload: { defaultId: DEFAULT_ID, excludeAccountId: 'acct-x' } };

const fold = (events: readonly LossAllocationEvent[]): LossAllocationState => events.reduce((s, e) => lossAllocationDecider.evolve(s, e), lossAllocationDecider.initialState());

// When commands
const setPolicy = (payload: object): LossAllocationCommand => ({ type: 'SetAllocationPolicy', payload, meta }) as LossAllocationCommand;
const allocate = (p = residualLoss()): LossAllocationCommand => ({ type: 'AllocateResidualLoss', payload: p, meta });
const decideAllocation = (b = okxBasis()): LossAllocationCommand => ({ type: 'DecideAllocation', payload: b, meta });

const okxAllocated: LossAllocationEvent = {
  type: 'LossAllocated',
  stream: DEFAULT_ID,
  correlationId: DEFAULT_ID,
  payload: {
    defaultId: DEFAULT_ID,
    policy: 'socialized-loss:pro-rata-profit',
    residual: '18000',
    // 18% of each winner's profit; the loser and the defaulter (excluded from the basis) pay nothing
    allocations: [
      { accountId: 'okx-a', memberId: 'm-okx-a', amount: '1800' },
      { accountId: 'okx-b', memberId: 'm-okx-b', amount: '4500' },
      { accountId: 'okx-c', memberId: 'm-okx-c', amount: '11700' },
    ],
    unallocated: '0',
    fairness: {
      participantsHit: 3,
      totalCharged: '18000',
      overshoot: '0',
      largestHaircutShareOfProfit: '0.18',
      largestHaircut: '11700',
      gini: '0.366667',
      topDecileShare: '0.65',
      notionalClosed: '0',
    },
  },
};

describe('loss-allocation decider: given events, when a command, then events or a rejection', () => {
  it.each<{ name: string; given: LossAllocationEvent[]; when: LossAllocationCommand; then: LossAllocationEvent[] | { code: string; path: string; retryable: boolean } }>([
    {
      name: 'SetAllocationPolicy records the policy with every parameter it reads, defaults filled in',
      given: [],
      when: setPolicy({ policy: 'adl', variant: 'hyperliquid', params: {} }),
      then: [
        { type: 'AllocationPolicySet', stream: 'loss-allocation:policy', payload: { policy: 'adl', variant: 'hyperliquid', policyKey: 'adl:hyperliquid', params: { closeWholePosition: false }, effectiveAt: meta.occurredAt } },
      ],
    },
    {
      name: 'SetAllocationPolicy without a variant takes the default one; decimals canonical',
      given: [],
      when: setPolicy({ policy: 'socialized-loss', params: { maxHaircutShare: '0.500' } }),
      then: [
        {
          type: 'AllocationPolicySet',
          stream: 'loss-allocation:policy',
          payload: { policy: 'socialized-loss', variant: 'pro-rata-profit', policyKey: 'socialized-loss:pro-rata-profit', params: { maxHaircutShare: '0.5' }, effectiveAt: meta.occurredAt },
        },
      ],
    },
    {
      name: 'SetAllocationPolicy identical to the one in force is a duplicate',
      given: [socialized],
      when: setPolicy({ policy: 'socialized-loss', variant: 'pro-rata-profit', params: {} }),
      then: { code: 'duplicate', path: 'payload', retryable: false },
    },
    {
      name: 'SetAllocationPolicy with a parameter the policy does not read is malformed',
      given: [],
      when: setPolicy({ policy: 'vm-gains-haircut', params: { closeWholePosition: true } }),
      then: { code: 'malformed', path: 'params.closeWholePosition', retryable: false },
    },
    {
      name: 'AllocateResidualLoss records the pending default and asks margin for the basis without the defaulter',
      given: [socialized],
      when: allocate(),
      then: [received(), requested],
    },
    {
      name: 'AllocateResidualLoss before any policy is in force: parameters_missing, retryable',
      given: [],
      when: allocate(),
      then: { code: 'parameters_missing', path: 'policy', retryable: true },
    },
    {
      name: 'AllocateResidualLoss whose residual is not deficit − covered: invalid_amount',
      given: [socialized],
      when: allocate(residualLoss({ residual: '17999.99' })),
      then: { code: 'invalid_amount', path: 'payload.residual', retryable: false },
    },
    {
      name: 'AllocateResidualLoss with a residual in fractions of a cent: invalid_amount',
      given: [socialized],
      when: allocate(residualLoss({ deficit: '25000.005', residual: '18000.005' })),
      then: { code: 'invalid_amount', path: 'payload.deficit', retryable: false },
    },
    {
      name: 'AllocateResidualLoss with two defaulted positions on one instrument: malformed',
      given: [socialized],
      when: allocate(residualLoss({ positions: [defaulted({ side: 'long', quantity: '1', mark: '90', bankruptcyPrice: '95' }), defaulted({ side: 'short', quantity: '1', mark: '90', bankruptcyPrice: '85' })] })),
      then: { code: 'malformed', path: 'payload.positions[1].instrumentId', retryable: false },
    },
    {
      name: 'AllocateResidualLoss for a default already pending: duplicate',
      given: [socialized, received(), requested],
      when: allocate(),
      then: { code: 'duplicate', path: 'payload.defaultId', retryable: false },
    },
    {
      name: 'AllocateResidualLoss for a default already allocated: duplicate',
      given: [socialized, received(), requested, okxAllocated],
      when: allocate(),
      then: { code: 'duplicate', path: 'payload.defaultId', retryable: false },
    },
    {
      name: 'DecideAllocation runs the policy in force on the basis and emits LossAllocated, correlated by the default id (OKX 2018-style ~18%)',
      given: [socialized, received(), requested],
      when: decideAllocation(),
      then: [okxAllocated],
    },
    {
      name: 'DecideAllocation uses the policy in force when it decides, even if set after the request',
      given: [socialized, received(), requested, policySet('socialized-loss', 'pro-rata-profit', { maxHaircutShare: '0.1' })],
      when: decideAllocation(),
      then: [
        {
          ...okxAllocated,
          payload: {
            ...okxAllocated.payload,
            allocations: [
              { accountId: 'okx-a', memberId: 'm-okx-a', amount: '1000' },
              { accountId: 'okx-b', memberId: 'm-okx-b', amount: '2500' },
              { accountId: 'okx-c', memberId: 'm-okx-c', amount: '6500' },
            ],
            unallocated: '8000',
            fairness: { ...(okxAllocated.payload as { fairness: object }).fairness, totalCharged: '10000', largestHaircut: '6500', largestHaircutShareOfProfit: '0.1', topDecileShare: '0.65' },
          },
        } as LossAllocationEvent,
      ],
    },
    {
      name: 'DecideAllocation for a default that is not pending: unknown_default',
      given: [socialized],
      when: decideAllocation(),
      then: { code: 'unknown_default', path: 'payload.defaultId', retryable: false },
    },
    {
      name: 'DecideAllocation for a default already allocated: duplicate',
      given: [socialized, received(), requested, okxAllocated],
      when: decideAllocation(),
      then: { code: 'duplicate', path: 'payload.defaultId', retryable: false },
    },
    {
      name: 'DecideAllocation with an account twice in the basis: malformed',
      given: [socialized, received(), requested],
      when: decideAllocation(okxBasis({ participants: [profitable('okx-a', '1'), profitable('okx-a', '2')] })),
      then: { code: 'malformed', path: 'payload.participants[1].accountId', retryable: false },
    },
    {
      name: 'DecideAllocation with an amount in fractions of a cent: invalid_amount',
      given: [socialized, received(), requested],
      when: decideAllocation(okxBasis({ participants: [participant('okx-a', { cash: '10.001' })] })),
      then: { code: 'invalid_amount', path: 'payload.participants[0].cashBalance', retryable: false },
    },
    {
      name: 'DecideAllocation with no policy in force (journal folded without one): parameters_missing, retryable',
      given: [received(), requested],
      when: decideAllocation(),
      then: { code: 'parameters_missing', path: 'policy', retryable: true },
    },
  ])('$name', ({ given, when, then }) => {
    const decision = lossAllocationDecider.decide(when, fold(given));
    if (Array.isArray(then)) {
      expect(decision).toEqual({ kind: 'accepted', events: then });
      if (decision.kind === 'accepted') {
        for (const e of decision.events) {
          const schema =
            e.type === 'LossAllocated' ? lossAllocatedPayload : e.type === 'AllocationBasisRequested' ? allocationBasisRequestedPayload : LOSS_ALLOCATION_EVENT_SCHEMAS[e.type];
          expect(schema.parse(e.payload)).toEqual(e.payload);
          expect(() => canonicalJson(e)).not.toThrow();
        }
      }
    } else {
      expect(decision.kind).toBe('rejected');
      if (decision.kind === 'rejected') expect(decision.rejection).toMatchObject(then);
    }
  });

  it('evolves: a default is pending after it is received, allocated after LossAllocated, never both', () => {
    const state = fold([socialized, received(), requested]);
    expect([...state.pending.keys()]).toEqual([DEFAULT_ID]);
    lossAllocationDecider.evolve(state, okxAllocated);
    expect(state.pending.size).toBe(0);
    expect([...state.allocated]).toEqual([DEFAULT_ID]);
    expect(() => lossAllocationDecider.evolve(state, okxAllocated)).toThrow(/invariant violated/);
  });

  describe('defaults are allocated one after another (docs/adr/0006)', () => {
    const second = residualLoss({ defaultId: 'default:acct-y:acct-y@7', accountId: 'acct-y' });
    const secondRequested: LossAllocationEvent = {
      type: 'AllocationBasisRequested',
      stream: second.defaultId,
      correlationId: second.defaultId,
      payload: { defaultId: second.defaultId, excludeAccountId: 'acct-y' },
    };

    it('a residual arriving while another basis is awaited is received but its basis is not requested yet', () => {
      const decision = lossAllocationDecider.decide(allocate(second), fold([socialized, received(), requested]));
      expect(decision).toEqual({ kind: 'accepted', events: [received(second)] });
    });

    it('allocating the awaited default requests the next queued basis in the same decision, after LossAllocated', () => {
      const decision = lossAllocationDecider.decide(decideAllocation(), fold([socialized, received(), requested, received(second)]));
      expect(decision.kind === 'accepted' && decision.events.map((e) => e.type)).toEqual(['LossAllocated', 'AllocationBasisRequested']);
      expect(decision.kind === 'accepted' && decision.events[1]).toEqual(secondRequested);
    });

    it('a basis for a queued default whose basis was never requested is refused', () => {
      const decision = lossAllocationDecider.decide(decideAllocation(okxBasis({ defaultId: second.defaultId })), fold([socialized, received(), requested, received(second)]));
      expect(decision.kind === 'rejected' && decision.rejection.code).toBe('unknown_default');
    });

    it('the outcome does not depend on whether the second residual arrives before or after the first basis', () => {
      const early = [allocate(second), decideAllocation()];
      const late = [decideAllocation(), allocate(second)];
      const emitted = (commands: readonly LossAllocationCommand[]) => {
        let state = fold([socialized, received(), requested]);
        const events: LossAllocationEvent[] = [];
        for (const c of commands) {
          const d = lossAllocationDecider.decide(c, state);
          if (d.kind !== 'accepted') throw new Error(d.rejection.message);
          for (const e of d.events) {
            events.push(e);
            state = lossAllocationDecider.evolve(state, e);
          }
        }
        return { events, state };
      };
      const a = emitted(early);
      const b = emitted(late);
      const byStream = (events: readonly LossAllocationEvent[]) => [...new Set(events.map((e) => e.stream))].sort().map((s) => events.filter((e) => e.stream === s));
      expect(byStream(a.events)).toEqual(byStream(b.events));
      expect(a.state.awaitingBasis).toBe(second.defaultId);
      expect(b.state.awaitingBasis).toBe(second.defaultId);
    });
  });

  it('ADL in force: LossAllocated closes counterparties at the bankruptcy price', () => {
    const state = fold([policySet('adl', 'bitmex', { closeWholePosition: false }), received(residualLoss({ deficit: '60', covered: '30', residual: '30' })), requested]);
    const decision = lossAllocationDecider.decide(
      decideAllocation(
        basis(
          [
            participant('short-a', { cash: '0', positions: [{ side: 'short', quantity: '2', entry: '120', mark: '90' }] }),
            participant('short-b', { cash: '20', positions: [{ side: 'short', quantity: '5', entry: '95', mark: '90' }] }),
          ],
          { 'BTC-PERP': '90' },
          DEFAULT_ID,
        ),
      ),
      state,
    );
    expect(decision.kind === 'accepted' && decision.events[0]?.type === 'LossAllocated' && decision.events[0].payload.allocations).toEqual([
      { accountId: 'short-a', memberId: 'm-short-a', amount: '10', instrumentId: 'BTC-PERP', side: 'short', quantityClosed: '2', closePrice: '95' },
      { accountId: 'short-b', memberId: 'm-short-b', amount: '20', instrumentId: 'BTC-PERP', side: 'short', quantityClosed: '4', closePrice: '95' },
    ]);
  });

  it('is deterministic: the same journal and command give byte-identical events', () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom('socialized-loss', 'adl', 'vm-gains-haircut', 'partial-tear-up'), (s, policy) => {
        const residual = residualLoss({ deficit: s.residual, covered: '0', residual: s.residual, positions: s.positions });
        const run = () => {
          let state = lossAllocationDecider.initialState();
          const out: unknown[] = [];
          for (const command of [setPolicy({ policy, params: {} }), allocate(residual), decideAllocation({ ...s.basis, defaultId: DEFAULT_ID })]) {
            const decision = lossAllocationDecider.decide(command, state);
            expect(decision.kind).toBe('accepted');
            if (decision.kind === 'accepted') for (const e of decision.events) state = lossAllocationDecider.evolve(state, e);
            out.push(decision);
          }
          return canonicalJson(out);
        };
        expect(run()).toBe(run());
      }),
      { numRuns: FC_RUNS },
    );
  });
});
