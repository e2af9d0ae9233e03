/**
 * USD per million input tokens, interactive and batch, as Google published them (checked 2026-11;
 * the Batch API costs half of interactive). A model missing here gets no cost estimate.
 */
export const PRICES_AS_OF = '2026-11';

export interface ModelPrice {
  interactivePerMTokens: number;
  batchPerMTokens: number;
}

const PRICES: Record<string, ModelPrice> = {
  'gemini-embedding-001': { interactivePerMTokens: 0.15, batchPerMTokens: 0.075 },
  'gemini-embedding-2': { interactivePerMTokens: 0.2, batchPerMTokens: 0.1 },
};

export interface CostEstimate {
  model: string;
  tokens: number;
  batchUsd: number;
  interactiveUsd: number;
  pricesAsOf: string;
}

export function estimateCost(model: string, tokens: number): CostEstimate | undefined {
  const price = PRICES[model.replace(/^models\//, '').replace(/-preview.*$/, '')];
  if (!price) return undefined;
  return {
    model,
    tokens,
    batchUsd: (tokens / 1e6) * price.batchPerMTokens,
    interactiveUsd: (tokens / 1e6) * price.interactivePerMTokens,
    pricesAsOf: PRICES_AS_OF,
  };
}
