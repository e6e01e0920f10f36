export { defaultFundDecider, DEFAULT_FUND_STREAM } from './default-fund.decider';
export { parseDefaultFundCommand } from './default-fund.command';
export { defaultFundWireInputs } from './default-fund.wire';
export { fundBalances, initialDefaultFundState } from './default-fund.state';
export type { FundBalancesView } from './default-fund.state';
export type { DefaultFundCommand, DefaultFundEvent, DefaultFundEventType, DefaultFundState, MemberFund, FundBalance } from './default-fund.types';
export {
  WATERFALL_PRESET_TRANCHES,
  EUREX_WATERFALL_TRANCHES,
  CCP_FIRST_SKIN_IN_THE_GAME,
  CCP_SECOND_SKIN_IN_THE_GAME,
  EUREX_FIRST_SKIN_IN_THE_GAME,
  EUREX_SECOND_SKIN_IN_THE_GAME,
  CME_ASSESSMENT_CAPS,
  EUREX_ASSESSMENT_CAPS,
} from './waterfall-presets.policy';
export { sizeCoverTwo, CONCENTRATION_EARLY_WARNING, CONCENTRATION_SUPPLEMENTARY_MARGIN } from './cover-two.policy';
