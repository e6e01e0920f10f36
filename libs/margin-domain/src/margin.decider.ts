import type { Decider } from '@ccp/contracts';
import { decideMargin } from './margin.decide';
import { evolveMargin } from './margin.evolve';
import { initialMarginState } from './margin.state';
import type { MarginCommand, MarginEvent, MarginState } from './margin.types';

/**
 * The margin decider (design.md §2): members, accounts, collateral, positions and marks; emits
 * MaintenanceBreached and AllocationBasisCaptured; applies liquidation fills, write-offs and loss
 * allocations. Pure: time and ids come from the commands, never the clock.
 */
export const marginDecider: Decider<MarginCommand, MarginEvent, MarginState> = {
  name: 'margin',
  initialState: initialMarginState,
  decide: decideMargin,
  evolve: evolveMargin,
};
