export const ITEM_KINDS = ['labor', 'part', 'consumable', 'fee'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface RateCardItem {
  code: string;
  name: string;
  kind: ItemKind;
  unit: string;
  unitPriceFen: number;
}

/** Where a price came from: the rate-card version in force and the item on it. */
export interface RateCardRef {
  rateCardId: string;
  version: number;
  itemCode: string;
}

/** A published version of the rate card (收费标准) for one brand, category and city ('*' = every city). */
export type RateCardPublished = {
  type: 'RateCardPublished';
  data: {
    rateCardId: string;
    version: number;
    brand: string;
    category: string;
    city: string;
    effectiveFrom: string;
    items: RateCardItem[];
  };
};

export type RateCardEvent = RateCardPublished;

/**
 * One card per brand, category and city; its versions succeed each other in one stream. The
 * nationwide card ('*') is `ALL`, upper case, which no (lower-case) city code can be.
 */
export function rateCardId(brand: string, category: string, city: string): string {
  return `${brand}.${category}.${city === '*' ? 'ALL' : city}`;
}

export const rateCardStream = (id: string) => `ratecard-${id}`;
