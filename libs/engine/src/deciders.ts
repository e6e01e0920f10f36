import { Command, Producer, WireTranslator } from '@ccp/contracts';
import { defaultFundDecider, defaultFundWireInputs, parseDefaultFundCommand } from '@ccp/default-fund-domain';
import { liquidationDecider, liquidationWireInputs, parseLiquidationCommand } from '@ccp/liquidation-domain';
import { lossAllocationDecider, lossAllocationWireInputs, parseLossAllocationCommand } from '@ccp/loss-allocation-domain';
import { marginDecider, marginWireInputs, parseMarginCommand, restoreMarginState, snapshotMarginState } from '@ccp/margin-domain';
import { JournaledDecider } from './registry';

/** The four journals' domains, as the embedded engine, the Kafka services and the audit bind them. */
export const DECIDERS: Readonly<Record<Producer, JournaledDecider>> = {
  margin: {
    producer: 'margin',
    decider: marginDecider,
    parseCommand: parseMarginCommand,
    wireInputs: marginWireInputs as WireTranslator<Command>,
    snapshot: { picture: (state) => snapshotMarginState(state as Parameters<typeof snapshotMarginState>[0]), restore: restoreMarginState },
  },
  liquidation: {
    producer: 'liquidation',
    decider: liquidationDecider,
    parseCommand: parseLiquidationCommand,
    wireInputs: liquidationWireInputs as WireTranslator<Command>,
  },
  'default-fund': {
    producer: 'default-fund',
    decider: defaultFundDecider,
    parseCommand: parseDefaultFundCommand,
    wireInputs: defaultFundWireInputs as WireTranslator<Command>,
  },
  'loss-allocation': {
    producer: 'loss-allocation',
    decider: lossAllocationDecider,
    parseCommand: parseLossAllocationCommand,
    wireInputs: lossAllocationWireInputs as WireTranslator<Command>,
  },
};
