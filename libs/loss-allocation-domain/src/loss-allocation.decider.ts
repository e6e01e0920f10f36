import {
  accept,
  ALLOCATION_POLICY_VARIANTS,
  AllocationBasisCapturedPayload,
  AllocationBasisRequestedPayload,
  AllocationPolicySetPayload,
  assertNever,
  canonicalJson,
  Command,
  Decider,
  Decision,
  DomainEvent,
  invariant,
  LossAllocatedPayload,
  reject,
  rejection,
  ResidualLossForwardedPayload,
  ResidualLossReceivedPayload,
  SetAllocationPolicyPayload,
} from '@ccp/contracts';
import { prepareBasis, prepareDefaultedPositions } from './allocation-basis';
import { normalizePolicyParams, PolicyKey, runAllocation } from './allocation-policies';
import { AllocationInputError, parseAmount, parseQuantity } from './fixed-point';

export type SetAllocationPolicy = Command<'SetAllocationPolicy', SetAllocationPolicyPayload>;
/** from the wire event ResidualLossForwarded */
export type AllocateResidualLoss = Command<'AllocateResidualLoss', ResidualLossForwardedPayload>;
/** from the wire event AllocationBasisCaptured */
export type DecideAllocation = Command<'DecideAllocation', AllocationBasisCapturedPayload>;
export type LossAllocationCommand = SetAllocationPolicy | AllocateResidualLoss | DecideAllocation;

export type AllocationPolicySet = DomainEvent<'AllocationPolicySet', AllocationPolicySetPayload>;
export type ResidualLossReceived = DomainEvent<'ResidualLossReceived', ResidualLossReceivedPayload>;
export type AllocationBasisRequested = DomainEvent<'AllocationBasisRequested', AllocationBasisRequestedPayload>;
export type LossAllocated = DomainEvent<'LossAllocated', LossAllocatedPayload>;
export type LossAllocationEvent = AllocationPolicySet | ResidualLossReceived | AllocationBasisRequested | LossAllocated;

export interface LossAllocationState {
  /** the policy in force, null until the first AllocationPolicySet */
  policy: AllocationPolicySetPayload | null;
  /** defaults received and not yet allocated, by defaultId: their residual and defaulted positions */
  readonly pending: Map<string, ResidualLossReceivedPayload>;
  /**
   * Defaults are allocated one after another (docs/adr/0006): the basis of the next is requested only
   * once the previous LossAllocated is in the journal, so margin applies that allocation before it
   * captures the next basis (both travel on this journal's topic, in order).
   */
  awaitingBasis: string | null;
  /** pending defaults whose basis is not requested yet, in the order their residuals arrived */
  readonly queue: string[];
  /** defaults already allocated */
  readonly allocated: Set<string>;
}

/** Stream of the policy parameters. Default events use the defaultId as stream and correlation. */
export const POLICY_STREAM = 'loss-allocation:policy';

const inputRejection = (error: unknown): Decision<LossAllocationEvent> => {
  if (error instanceof AllocationInputError) return reject(rejection(error.code, error.path, error.message));
  throw error;
};

function decideSetPolicy(command: SetAllocationPolicy, state: LossAllocationState): Decision<LossAllocationEvent> {
  const { policy, params } = command.payload;
  const variant = command.payload.variant ?? ALLOCATION_POLICY_VARIANTS[policy][0];
  const policyKey = `${policy}:${variant}` as PolicyKey;
  let normalized;
  try {
    normalized = normalizePolicyParams(policyKey, params);
  } catch (error) {
    return inputRejection(error);
  }
  if (state.policy !== null && state.policy.policyKey === policyKey && canonicalJson(state.policy.params) === canonicalJson(normalized)) {
    return reject(rejection('duplicate', 'payload', `${policyKey} with these parameters is already in force`));
  }
  return accept([
    {
      type: 'AllocationPolicySet',
      stream: POLICY_STREAM,
      payload: { policy, variant, policyKey, params: normalized, effectiveAt: command.meta.occurredAt },
    },
  ]);
}

function decideAllocateResidualLoss(command: AllocateResidualLoss, state: LossAllocationState): Decision<LossAllocationEvent> {
  const p = command.payload;
  try {
    const deficit = parseAmount(p.deficit, 'payload.deficit');
    const covered = parseAmount(p.covered, 'payload.covered');
    const residual = parseAmount(p.residual, 'payload.residual');
    if (residual <= 0n) throw new AllocationInputError('invalid_amount', 'payload.residual', 'the residual must be greater than zero');
    if (deficit - covered !== residual) throw new AllocationInputError('invalid_amount', 'payload.residual', `residual ${p.residual} ≠ deficit ${p.deficit} − covered ${p.covered}`);
    prepareDefaultedPositions(p.positions, 'payload.positions');
  } catch (error) {
    return inputRejection(error);
  }
  if (state.pending.has(p.defaultId) || state.allocated.has(p.defaultId)) {
    return reject(rejection('duplicate', 'payload.defaultId', `default ${p.defaultId} is already ${state.allocated.has(p.defaultId) ? 'allocated' : 'pending'}`));
  }
  if (state.policy === null) return reject(rejection('parameters_missing', 'policy', 'no allocation policy is in force yet'));
  const received: LossAllocationEvent = { type: 'ResidualLossReceived', stream: p.defaultId, correlationId: p.defaultId, payload: p };
  // Another default's basis is awaited: this one queues behind it.
  return accept(state.awaitingBasis === null ? [received, basisRequested(p)] : [received]);
}

const basisRequested = (p: ResidualLossReceivedPayload): LossAllocationEvent => ({
  type: 'AllocationBasisRequested',
  stream: p.defaultId,
  correlationId: p.defaultId,
  payload: { defaultId: p.defaultId, excludeAccountId: p.accountId },
});

function decideAllocation(command: DecideAllocation, state: LossAllocationState): Decision<LossAllocationEvent> {
  const { defaultId } = command.payload;
  const pending = state.pending.get(defaultId);
  let basis;
  try {
    basis = prepareBasis(command.payload, pending === undefined ? { path: 'payload' } : { path: 'payload', excludeAccountId: pending.accountId });
  } catch (error) {
    return inputRejection(error);
  }
  if (pending === undefined) {
    if (state.allocated.has(defaultId)) return reject(rejection('duplicate', 'payload.defaultId', `default ${defaultId} is already allocated`));
    return reject(rejection('unknown_default', 'payload.defaultId', `no residual loss is pending for ${defaultId}`));
  }
  if (state.awaitingBasis !== defaultId) return reject(rejection('unknown_default', 'payload.defaultId', `no basis was requested for ${defaultId} (awaiting ${state.awaitingBasis ?? 'none'})`));
  const policy = state.policy;
  if (policy === null) return reject(rejection('parameters_missing', 'policy', 'no allocation policy is in force yet'));
  const residual = parseAmount(pending.residual, 'pending.residual');
  const positions = prepareDefaultedPositions(pending.positions, 'pending.positions');
  const { payload, outcome } = runAllocation(defaultId, policy.policyKey as PolicyKey, basis, residual, positions, policy.params);

  // Before emitting (style.md §10): conservation to the cent, no negative parts.
  let charged = 0n;
  for (const c of outcome.allocations) {
    invariant(c.amount >= 0n, `charge to ${c.accountId} is not negative`);
    charged += c.amount;
  }
  invariant(outcome.unallocated >= 0n, 'unallocated is not negative');
  invariant(outcome.overshoot >= 0n, 'overshoot is not negative');
  invariant(outcome.overshoot === 0n || policy.params.closeWholePosition === true, 'only whole-position ADL overshoots');
  invariant(charged + outcome.unallocated === residual + outcome.overshoot, 'Σ charges + unallocated = residual + overshoot');
  for (const line of payload.allocations) {
    if (line.quantityClosed !== undefined) invariant(parseQuantity(line.quantityClosed, 'quantityClosed') > 0n, 'closes are positive');
  }
  const allocated: LossAllocationEvent = { type: 'LossAllocated', stream: defaultId, correlationId: defaultId, payload };
  const next = state.queue[0] === undefined ? undefined : state.pending.get(state.queue[0]);
  return accept(next === undefined ? [allocated] : [allocated, basisRequested(next)]);
}

export const lossAllocationDecider: Decider<LossAllocationCommand, LossAllocationEvent, LossAllocationState> = {
  name: 'loss-allocation',
  initialState: () => ({ policy: null, pending: new Map(), allocated: new Set(), awaitingBasis: null, queue: [] }),
  decide(command, state) {
    switch (command.type) {
      case 'SetAllocationPolicy':
        return decideSetPolicy(command, state);
      case 'AllocateResidualLoss':
        return decideAllocateResidualLoss(command, state);
      case 'DecideAllocation':
        return decideAllocation(command, state);
      default:
        return assertNever(command, 'loss-allocation command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'AllocationPolicySet':
        state.policy = event.payload;
        invariant(state.policy.policyKey === `${event.payload.policy}:${event.payload.variant}`, 'the policy key names policy and variant');
        break;
      case 'ResidualLossReceived':
        invariant(!state.allocated.has(event.payload.defaultId), 'an allocated default is not received again');
        state.pending.set(event.payload.defaultId, event.payload);
        state.queue.push(event.payload.defaultId);
        break;
      case 'AllocationBasisRequested':
        invariant(state.pending.has(event.payload.defaultId), 'a basis is requested only for a pending default');
        invariant(state.awaitingBasis === null, 'one basis is awaited at a time');
        invariant(state.queue[0] === event.payload.defaultId, 'bases are requested in the order residuals arrived');
        state.queue.shift();
        state.awaitingBasis = event.payload.defaultId;
        break;
      case 'LossAllocated':
        invariant(state.pending.has(event.payload.defaultId), 'only a pending default is allocated');
        invariant(state.awaitingBasis === event.payload.defaultId, 'the default allocated is the one whose basis was awaited');
        state.pending.delete(event.payload.defaultId);
        state.allocated.add(event.payload.defaultId);
        state.awaitingBasis = null;
        break;
      default:
        return assertNever(event, 'loss-allocation event');
    }
    if (event.type !== 'AllocationPolicySet') {
      const id = event.payload.defaultId;
      invariant(!(state.pending.has(id) && state.allocated.has(id)), 'a default is pending or allocated, not both');
    }
    return state;
  },
};
