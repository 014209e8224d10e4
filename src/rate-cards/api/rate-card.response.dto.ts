import { ApiProperty } from '@nestjs/swagger';
import { ITEM_KINDS } from '../domain/rate-card.events.js';

class RateCardItemDoc {
  @ApiProperty({ example: 'LAB-DIAG' })
  code!: string;
  @ApiProperty({ example: '上门检测' })
  name!: string;
  @ApiProperty({ enum: ITEM_KINDS })
  kind!: string;
  @ApiProperty({ example: 'visit' })
  unit!: string;
  @ApiProperty({ description: 'Published unit price, in fen', example: 5000 })
  unitPriceFen!: number;
}

/** What GET /rate-cards answers: the version in force at `at`. */
export class RateCardInForceDoc {
  @ApiProperty({ example: 'midea.air_conditioner.ALL', description: '<brand>.<category>.<city or ALL>' })
  rateCardId!: string;
  @ApiProperty({ description: 'Version of the card (versions of one card succeed each other)' })
  version!: number;
  @ApiProperty({ example: 'midea' })
  brand!: string;
  @ApiProperty({ example: 'air_conditioner' })
  category!: string;
  @ApiProperty({ example: '*', description: 'The city, or * for every city' })
  city!: string;
  @ApiProperty({ format: 'date-time' })
  effectiveFrom!: string;
  @ApiProperty({ type: [RateCardItemDoc] })
  items!: RateCardItemDoc[];
  @ApiProperty({ format: 'date-time', description: 'The instant the card was looked up for (the query, or now)' })
  at!: string;
}
