import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsInstant } from '../../http/params.js';
import { ITEM_KINDS, type ItemKind } from '../domain/rate-card.events.js';

export const SLUG = /^[a-z0-9_]{1,40}$/;
export const SLUG_MESSAGE = (field: string) => `${field} must be a lower-case code of a-z 0-9 _ (e.g. midea, air_conditioner, shanghai)`;
const CODE = /^[A-Za-z0-9_.-]{1,40}$/;

export class RateCardItemRequest {
  @ApiProperty({ example: 'CAP-35UF' })
  @Matches(CODE, { message: 'code must be 1-40 characters of A-Z a-z 0-9 _ . -' })
  code!: string;

  @ApiProperty({ example: '压缩机启动电容 35μF' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: ITEM_KINDS })
  @IsIn(ITEM_KINDS)
  kind!: ItemKind;

  @ApiProperty({ example: 'piece' })
  @IsString()
  @Length(1, 20)
  unit!: string;

  @ApiProperty({ description: 'Published unit price in fen (1 yuan = 100 fen)', example: 4500 })
  @IsInt({ message: 'unitPriceFen must be an integer number of fen' })
  @Min(0)
  @Max(100_000_000)
  unitPriceFen!: number;
}

/** Brand, category and city: the key of one rate card (and of its stream). */
export class RateCardKey {
  @ApiProperty({ example: 'midea' })
  @Matches(SLUG, { message: SLUG_MESSAGE('brand') })
  brand!: string;

  @ApiProperty({ example: 'air_conditioner' })
  @Matches(SLUG, { message: SLUG_MESSAGE('category') })
  category!: string;

  @ApiProperty({ description: 'A city code, or "*" for every city without a card of its own', example: 'shanghai' })
  @Matches(/^([a-z0-9_]{1,40}|\*)$/, { message: 'city must be a lower-case city code or "*"' })
  city!: string;
}

export class PublishRateCardRequest extends RateCardKey {
  @ApiPropertyOptional({ description: 'If given, must equal <brand>.<category>.<city or ALL>: one card per brand, category and city, versioned' })
  @IsOptional()
  @IsString()
  rateCardId?: string;

  @ApiProperty({ example: '2026-06-01T00:00:00.000Z' })
  @IsInstant('effectiveFrom')
  effectiveFrom!: string;

  @ApiProperty({ type: [RateCardItemRequest] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => RateCardItemRequest)
  items!: RateCardItemRequest[];
}

export class RateCardQuery extends RateCardKey {
  @ApiPropertyOptional({ description: 'The instant to look at (default: now)' })
  @IsOptional()
  @IsInstant('at')
  at?: string;
}
