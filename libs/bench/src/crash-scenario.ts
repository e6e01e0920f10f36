import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CRASH_100K_SCENARIO = 'docs/scenarios/market-crash-100k.json';

/**
 * Insurance fund per population size for the crash family: set from the insurance-fund trace of a
 * run with an unlimited fund (the fund's draw before each default, net of the liquidation fees
 * credited so far), just below the draw of the sixth-last default — so at every size the last six
 * defaults reach loss socialization and the rest are covered. Same seed, same shape (20% in four
 * gaps), only `accounts` and the fund change. A size not listed gets the 100k fund scaled linearly
 * (its socialized count is then whatever the run reports).
 */
export const CRASH_INSURANCE_FUND: Readonly<Record<number, string>> = {
  12_500: '2994400',
  25_000: '5993900',
  50_000: '11777600',
  100_000: '23349200',
};

interface Step {
  to?: string;
  type?: string;
  payload?: { amount?: string };
  generate?: { kind: string; accounts?: number };
}

export interface CrashScenario {
  name: string;
  steps: Step[];
  [key: string]: unknown;
}

export function insuranceFundFor(accounts: number): string {
  const listed = CRASH_INSURANCE_FUND[accounts];
  if (listed) return listed;
  const base = BigInt(CRASH_INSURANCE_FUND[100_000]!);
  return ((base * BigInt(accounts)) / 100_000n).toString();
}

/** docs/scenarios/market-crash-100k.json with `accounts` and the insurance fund replaced (fund: see CRASH_INSURANCE_FUND, or given). */
export function crashFamilyScenario(root: string, accounts: number, insuranceFund: string = insuranceFundFor(accounts)): CrashScenario {
  const scenario = JSON.parse(readFileSync(join(root, CRASH_100K_SCENARIO), 'utf8')) as CrashScenario;
  const population = scenario.steps.find((s) => s.generate?.kind === 'population');
  if (!population?.generate) throw new Error(`${CRASH_100K_SCENARIO} has no population generator`);
  const deposit = scenario.steps.find((s) => s.to === 'default-fund' && s.type === 'DepositInsuranceFund');
  if (!deposit?.payload) throw new Error(`${CRASH_100K_SCENARIO} has no DepositInsuranceFund step`);
  population.generate.accounts = accounts;
  deposit.payload.amount = insuranceFund;
  scenario.name = accounts === 100_000 ? 'market-crash-100k' : `market-crash-100k-at-${accounts}`;
  return scenario;
}
