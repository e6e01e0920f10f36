export {
  liquidationDecider,
  liquidationIdOf,
  defaultIdOf,
  LIQUIDATION_PARAMETERS_STREAM,
  type LiquidationCommand,
  type LiquidationEvent,
  type LiquidationState,
  type SetLiquidationParametersCommand,
  type RecordExternalFillCommand,
  type LiquidateAccountCommand,
  type LiquidationParametersSetEvent,
  type ExternalFillRecordedEvent,
  type LiquidationFilledEvent,
  type AccountDefaultedEvent,
  type LiquidationCompletedEvent,
} from './liquidation.decider';
export { parseLiquidationCommand, liquidationWireInputs } from './liquidation.boundary';
export { bankruptcyPrice, bankruptcyPriceExact, type BankruptcyPriceInput } from './bankruptcy-price.policy';
export { executionPriceTicks, type ExecutionInput } from './execution-price.policy';
export { type Ratio, toDecimalString as ratioToDecimalString } from './rational.math';
