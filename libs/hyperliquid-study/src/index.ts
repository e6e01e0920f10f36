export * from './hyperliquid-import';
export * from './study-basis';
export * from './study-journal';
export * from './published-figures';
export * from './study';
export { renderChart, renderReport, usd, usdMillions, leverage } from './study-report';
