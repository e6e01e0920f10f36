import type { WireTranslator } from '@ccp/contracts';
import type { MarginCommand } from './margin.types';

/**
 * The wire events margin consumes and the command each becomes (routing lives here, once; the
 * embedded engine and the Kafka runtime both use it). The command payload is the wire payload.
 */
export const marginWireInputs: WireTranslator<MarginCommand> = {
  LiquidationFilled: (payload, meta) => [{ type: 'ApplyLiquidationFill', payload, meta }],
  AccountDefaulted: (payload, meta) => [{ type: 'WriteOffDefaultedAccount', payload, meta }],
  AllocationBasisRequested: (payload, meta) => [{ type: 'CaptureAllocationBasis', payload, meta }],
  LossAllocated: (payload, meta) => [{ type: 'ApplyLossAllocation', payload, meta }],
  LiquidationCompleted: (payload, meta) => [{ type: 'ResolveBreach', payload, meta }],
};
