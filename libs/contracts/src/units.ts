/**
 * Fixed scales of the clearing domain. Amounts settle in USD with a minor unit of one cent; prices,
 * quantities and contract sizes carry at most 8 decimals. Hot paths hold them as bigint counts of
 * these units (design.md §7); events carry canonical decimal strings.
 */
export const SETTLEMENT_ASSET = { code: 'USD', scale: 2 } as const;
export const PRICE_SCALE = 8;
export const QUANTITY_SCALE = 8;
export const CONTRACT_SIZE_SCALE = 8;
