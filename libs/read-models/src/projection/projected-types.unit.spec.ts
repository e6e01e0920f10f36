import {
  DEFAULT_FUND_EVENT_SCHEMAS,
  LIQUIDATION_EVENT_SCHEMAS,
  LOSS_ALLOCATION_EVENT_SCHEMAS,
  MARGIN_EVENT_SCHEMAS,
  WIRE_EVENT_SCHEMAS,
  type Producer,
  type WireEventType,
} from '@ccp/contracts';
import { DEFAULT_FUND_NOT_PROJECTED_TYPES, DEFAULT_FUND_PROJECTED_TYPES } from './default-fund.projector';
import { LIQUIDATION_NOT_PROJECTED_TYPES, LIQUIDATION_PROJECTED_TYPES } from './liquidation.projector';
import { LOSS_ALLOCATION_NOT_PROJECTED_TYPES, LOSS_ALLOCATION_PROJECTED_TYPES } from './loss-allocation.projector';
import { MARGIN_NOT_PROJECTED_TYPES, MARGIN_PROJECTED_TYPES } from './margin.projector';

/** Which journal emits each wire event (WIRE_EVENT_PRODUCER in libs/kafka-runtime/src/topology.ts). */
const WIRE_PRODUCER: Record<WireEventType, Producer> = {
  MaintenanceBreached: 'margin',
  AllocationBasisCaptured: 'margin',
  LiquidationFilled: 'liquidation',
  AccountDefaulted: 'liquidation',
  LiquidationCompleted: 'liquidation',
  ResidualLossForwarded: 'default-fund',
  AllocationBasisRequested: 'loss-allocation',
  LossAllocated: 'loss-allocation',
} as Record<WireEventType, Producer>;

const OWN_SCHEMAS: Record<Producer, object> = {
  margin: MARGIN_EVENT_SCHEMAS,
  liquidation: LIQUIDATION_EVENT_SCHEMAS,
  'default-fund': DEFAULT_FUND_EVENT_SCHEMAS,
  'loss-allocation': LOSS_ALLOCATION_EVENT_SCHEMAS,
};

const CLASSIFIED: Record<Producer, { projected: readonly string[]; notProjected: readonly string[] }> = {
  margin: { projected: MARGIN_PROJECTED_TYPES, notProjected: MARGIN_NOT_PROJECTED_TYPES },
  liquidation: { projected: LIQUIDATION_PROJECTED_TYPES, notProjected: LIQUIDATION_NOT_PROJECTED_TYPES },
  'default-fund': { projected: DEFAULT_FUND_PROJECTED_TYPES, notProjected: DEFAULT_FUND_NOT_PROJECTED_TYPES },
  'loss-allocation': { projected: LOSS_ALLOCATION_PROJECTED_TYPES, notProjected: LOSS_ALLOCATION_NOT_PROJECTED_TYPES },
};

function eventTypesOf(producer: Producer): string[] {
  const wire = Object.keys(WIRE_EVENT_SCHEMAS).filter((t) => WIRE_PRODUCER[t as WireEventType] === producer);
  return [...Object.keys(OWN_SCHEMAS[producer]), ...wire, 'CommandRejected'].sort();
}

describe('every event type a journal can hold is classified by its projector', () => {
  it('knows which journal emits every wire event', () => {
    expect(Object.keys(WIRE_EVENT_SCHEMAS).filter((t) => WIRE_PRODUCER[t as WireEventType] === undefined)).toEqual([]);
  });

  it.each(Object.keys(CLASSIFIED) as Producer[])('%s: projected ∪ not projected = the contracts’ event types, disjoint', (producer) => {
    const { projected, notProjected } = CLASSIFIED[producer];
    expect(projected.filter((t) => notProjected.includes(t))).toEqual([]);
    expect([...projected, ...notProjected].sort()).toEqual(eventTypesOf(producer));
  });
});
