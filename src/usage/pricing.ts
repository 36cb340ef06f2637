/**
 * Upstream prices in US dollars per million tokens. Defaults are DeepSeek's published API prices for
 * deepseek-chat and deepseek-reasoner (V3.2, api-docs.deepseek.com/quick_start/pricing, as of late 2025:
 * input $0.28/M on a provider cache miss, output $0.42/M). Models without an entry use the fallback price so
 * that costs are never silently zero.
 */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'deepseek-chat': { inputPerMillion: 0.28, outputPerMillion: 0.42 },
  'deepseek-reasoner': { inputPerMillion: 0.28, outputPerMillion: 0.42 },
});

export const FALLBACK_PRICE: ModelPrice = { inputPerMillion: 0.28, outputPerMillion: 0.42 };

export function costUsd(prices: PriceTable, model: string, promptTokens: number, completionTokens: number): number {
  const price = prices[model] ?? FALLBACK_PRICE;
  return (promptTokens * price.inputPerMillion + completionTokens * price.outputPerMillion) / 1_000_000;
}
