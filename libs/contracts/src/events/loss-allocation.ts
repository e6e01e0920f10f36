// Commands and events owned by the loss-allocation journal (besides the wire events in wire.ts).
import { z } from 'zod';
import { identifier, isoInstant } from '../schema-primitives';
import { allocationBasisCapturedPayload, residualLossForwardedPayload } from './wire';

/**
 * Allocation policies and their named variants (mechanics.md). The first variant of each policy is
 * its default. A policy in force is addressed as `${policy}:${variant}` (its policy key).
 */
export const ALLOCATION_POLICY_VARIANTS = {
  /** pro rata to profit (OKX 2018, BitMEX 2015 clawbacks) or, as Drift v2 does, to open interest */
  'socialized-loss': ['pro-rata-profit', 'drift-open-interest'],
  /**
   * auto-deleveraging: the BitMEX, Binance and Hyperliquid queues (ranking keys), and the
   * leverage-minimizing water-filling rule (Campbell, Hey, Moallemi, Nutz, arXiv 2603.15963)
   */
  adl: ['bitmex', 'binance', 'hyperliquid', 'water-filling'],
  /** variation-margin gains haircutting (CCP recovery tool) */
  'vm-gains-haircut': ['pro-rata-gain'],
  /** partial tear-up of opposite positions at the last settlement (mark) price */
  'partial-tear-up': ['pro-rata-size'],
} as const;

export type AllocationPolicyName = keyof typeof ALLOCATION_POLICY_VARIANTS;
export type AllocationPolicyVariant<P extends AllocationPolicyName = AllocationPolicyName> = (typeof ALLOCATION_POLICY_VARIANTS)[P][number];
export const ALLOCATION_POLICY_NAMES = ['socialized-loss', 'adl', 'vm-gains-haircut', 'partial-tear-up'] as const satisfies readonly AllocationPolicyName[];
export const allocationPolicyName = z.enum(ALLOCATION_POLICY_NAMES);

/**
 * The most a participant may be haircut, as a share of its profit (socialized loss) or of its gain
 * (VMGH): a decimal in (0, 1] with at most 6 decimals. Default 1 (never beyond the whole profit).
 */
export const haircutShare = z
  .string()
  .regex(/^(0\.\d{1,6}|1(\.0{1,6})?)$/, 'expected a decimal share in (0, 1] with at most 6 decimals')
  .refine((s) => /[1-9]/.test(s), 'must be greater than zero');

const socializedLossSetting = z
  .object({
    policy: z.literal('socialized-loss'),
    variant: z.enum(ALLOCATION_POLICY_VARIANTS['socialized-loss']).optional(),
    params: z.object({ maxHaircutShare: haircutShare.optional() }).strict(),
  })
  .strict();

const adlSetting = z
  .object({
    policy: z.literal('adl'),
    variant: z.enum(ALLOCATION_POLICY_VARIANTS.adl).optional(),
    params: z
      .object({
        /** Hyperliquid-like queue: close each counterparty's whole position, report the overshoot (queue variants only, not water-filling) */
        closeWholePosition: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();

const vmGainsHaircutSetting = z
  .object({
    policy: z.literal('vm-gains-haircut'),
    variant: z.enum(ALLOCATION_POLICY_VARIANTS['vm-gains-haircut']).optional(),
    params: z.object({ maxHaircutShare: haircutShare.optional() }).strict(),
  })
  .strict();

const partialTearUpSetting = z
  .object({
    policy: z.literal('partial-tear-up'),
    variant: z.enum(ALLOCATION_POLICY_VARIANTS['partial-tear-up']).optional(),
    params: z.object({}).strict(),
  })
  .strict();

/** SetAllocationPolicy: the policy (and its parameters) used for every allocation decided after it. */
export const setAllocationPolicyPayload = z
  .discriminatedUnion('policy', [socializedLossSetting, adlSetting, vmGainsHaircutSetting, partialTearUpSetting])
  .superRefine((value, ctx) => {
    if (value.policy === 'socialized-loss' && value.variant === 'drift-open-interest' && value.params.maxHaircutShare !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['params', 'maxHaircutShare'], message: 'drift-open-interest charges open interest, not profit: no maxHaircutShare' });
    }
  });
export type SetAllocationPolicyPayload = z.infer<typeof setAllocationPolicyPayload>;

/** Parameters as recorded in force: every parameter the policy reads, with its default filled in. */
export const allocationPolicyParams = z
  .object({
    maxHaircutShare: haircutShare.optional(),
    closeWholePosition: z.boolean().optional(),
  })
  .strict();
export type AllocationPolicyParams = z.infer<typeof allocationPolicyParams>;

/** AllocationPolicySet: the policy in force from this event on (parameters are events, design.md §3). */
export const allocationPolicySetPayload = z
  .object({
    policy: allocationPolicyName,
    variant: identifier,
    /** `${policy}:${variant}`: the key of ALLOCATION_POLICIES in the loss-allocation domain */
    policyKey: identifier,
    params: allocationPolicyParams,
    /** when it was set (the command's occurredAt) */
    effectiveAt: isoInstant,
  })
  .strict();
export type AllocationPolicySetPayload = z.infer<typeof allocationPolicySetPayload>;

/**
 * ResidualLossReceived: the loss-allocation journal's own record of a pending default (its residual
 * and defaulted positions), emitted with AllocationBasisRequested so a replay of this journal alone
 * rebuilds what is pending. Same fields as the wire event ResidualLossForwarded.
 */
export const residualLossReceivedPayload = residualLossForwardedPayload;
export type ResidualLossReceivedPayload = z.infer<typeof residualLossReceivedPayload>;

export const LOSS_ALLOCATION_COMMAND_SCHEMAS = {
  SetAllocationPolicy: setAllocationPolicyPayload,
  /** from the wire event ResidualLossForwarded */
  AllocateResidualLoss: residualLossForwardedPayload,
  /** from the wire event AllocationBasisCaptured */
  DecideAllocation: allocationBasisCapturedPayload,
} as const;
export type LossAllocationCommandType = keyof typeof LOSS_ALLOCATION_COMMAND_SCHEMAS;

/** The loss-allocation events that are not wire events (AllocationBasisRequested, LossAllocated are). */
export const LOSS_ALLOCATION_EVENT_SCHEMAS = {
  AllocationPolicySet: allocationPolicySetPayload,
  ResidualLossReceived: residualLossReceivedPayload,
} as const;
export type LossAllocationOwnEventType = keyof typeof LOSS_ALLOCATION_EVENT_SCHEMAS;
