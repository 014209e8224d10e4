import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ID_PATTERN } from '../../shared/ids.js';
import { IsInstant } from '../../http/params.js';
export { ReasonRequest } from '../../http/params.js';
import { SLUG } from '../../rate-cards/api/rate-card.request.dto.js';
import {
  COMPLETION_OUTCOMES,
  type CompletionOutcome,
  LINE_PAYERS,
  type LinePayer,
  PACKAGE_FUNDERS,
  type PackageFunder,
  PAYMENT_METHODS,
  type PaymentMethod,
  SERVICE_TYPES,
  type ServiceType,
} from '../domain/order.events.js';

const ID_MESSAGE = (field: string) => `${field} must be 1-64 characters of A-Z a-z 0-9 _ -`;
const ITEM_CODE = /^[A-Za-z0-9_.-]{1,40}$/;
const MAX_FEN = 100_000_000_00; // 100 million yuan: far above any service order

export class CustomerRequest {
  @ApiPropertyOptional({
    description: 'The customer account (the actor id of a customer token); left out, a UUID derived from the order id. A repeat visit must give the same one as the order it repeats.',
    example: 'cust-1',
  })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE('customerId') })
  customerId?: string;

  @ApiProperty({ example: '李女士' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ example: '13900139000' })
  @Matches(/^\+?[0-9 -]{5,20}$/, { message: 'phone must be 5-20 digits (spaces, dashes and a leading + allowed)' })
  phone!: string;

  @ApiProperty({ example: 'shanghai' })
  @Matches(SLUG, { message: 'city must be a lower-case city code such as shanghai' })
  city!: string;

  @ApiProperty({ example: '浦东新区世纪大道 100 号 1201 室' })
  @IsString()
  @Length(1, 300)
  address!: string;
}

export class ProductRequest {
  @ApiProperty({ example: 'midea' })
  @Matches(SLUG, { message: 'brand must be a lower-case brand code such as midea' })
  brand!: string;

  @ApiProperty({ example: 'air_conditioner' })
  @Matches(SLUG, { message: 'category must be a lower-case category code such as air_conditioner' })
  category!: string;

  @ApiProperty({ example: 'KFR-35GW' })
  @IsString()
  @Length(1, 100)
  model!: string;

  @ApiPropertyOptional({ example: 'SN20260501' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  serialNo?: string;

  @ApiPropertyOptional({
    example: '2027-05-01T00:00:00.000Z',
    description: "End of the product's warranty. Until then quote lines, parts and charges may be marked `payer: brand` (warranty work).",
  })
  @IsOptional()
  @IsInstant('product.warrantyUntil')
  warrantyUntil?: string;
}

export class AppointmentRequest {
  @ApiProperty({ example: '2026-05-04T10:00:00.000Z' })
  @IsInstant('appointment.from')
  from!: string;

  @ApiProperty({ example: '2026-05-04T12:00:00.000Z' })
  @IsInstant('appointment.to')
  to!: string;
}

export class PackageRequest {
  @ApiProperty({ example: 'AC-CLEAN-ALL-IN' })
  @Matches(ITEM_CODE, { message: 'package.code must be 1-40 characters of A-Z a-z 0-9 _ . -' })
  code!: string;

  @ApiProperty({ description: 'What the customer pays, once, in fen', example: 19900 })
  @IsInt({ message: 'priceFen must be an integer number of fen' })
  @Min(0)
  @Max(MAX_FEN)
  priceFen!: number;

  @ApiProperty({ enum: PACKAGE_FUNDERS })
  @IsIn(PACKAGE_FUNDERS)
  fundedBy!: PackageFunder;
}

export class CreateOrderRequest {
  @ApiPropertyOptional({ example: 'ord-1001' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE('orderId') })
  orderId?: string;

  @ApiProperty({ type: CustomerRequest })
  @IsObject()
  @ValidateNested()
  @Type(() => CustomerRequest)
  customer!: CustomerRequest;

  @ApiProperty({ type: ProductRequest })
  @IsObject()
  @ValidateNested()
  @Type(() => ProductRequest)
  product!: ProductRequest;

  @ApiProperty({ enum: SERVICE_TYPES })
  @IsIn(SERVICE_TYPES)
  serviceType!: ServiceType;

  @ApiProperty({ type: AppointmentRequest })
  @IsObject()
  @ValidateNested()
  @Type(() => AppointmentRequest)
  appointment!: AppointmentRequest;

  @ApiPropertyOptional({ type: PackageRequest, description: '一价全包: the customer pays the package price and nothing on site' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PackageRequest)
  package?: PackageRequest;

  @ApiPropertyOptional({
    description:
      'The earlier order this one repeats (a repeat visit, which takes that order\'s first-time-fix credit): it must exist (422 REPEAT_OF_UNKNOWN_ORDER) and be for the same customer (422 REPEAT_OF_OTHER_CUSTOMER: give its customer.customerId) and the same brand and category (422 REPEAT_OF_OTHER_APPLIANCE)',
  })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE('repeatOf') })
  repeatOf?: string;
}

export class QuantityLine {
  @ApiProperty({ example: 'LAB-DIAG' })
  @Matches(ITEM_CODE, { message: 'code must be 1-40 characters of A-Z a-z 0-9 _ . -' })
  code!: string;

  @ApiProperty({ example: 1 })
  @IsInt({ message: 'quantity must be a whole number' })
  @Min(1)
  @Max(10_000)
  quantity!: number;

  @ApiPropertyOptional({
    enum: LINE_PAYERS,
    description:
      "Left out: the order's payer (the customer; on a package order its funder). `brand`: warranty work, allowed while the product is under warranty " +
      '(422 NOT_UNDER_WARRANTY); a part or charge only for an item the latest quote marks `brand`, up to the quantity it marks (422 WARRANTY_LINE_NOT_QUOTED).',
  })
  @IsOptional()
  @IsIn(LINE_PAYERS, { message: "payer may only be 'brand' (warranty work); leave it out for the order's own payer" })
  payer?: LinePayer;
}

export class QuoteRequest {
  @ApiProperty({ type: [QuantityLine] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => QuantityLine)
  lines!: QuantityLine[];
}

export class AcceptQuoteRequest {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  quoteRevision!: number;
}

export class DispatchRequest {
  @ApiProperty({ example: 'eng-1001' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE('engineerId') })
  engineerId!: string;
}

export class CheckInRequest {
  @ApiPropertyOptional({ description: 'Arrival time (default: now); never in the future' })
  @IsOptional()
  @IsInstant('at')
  at?: string;
}

export class PartRequest extends QuantityLine {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  serialNo?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  batchNo?: string;
}


export class CompleteRequest {
  @ApiProperty({ enum: COMPLETION_OUTCOMES })
  @IsIn(COMPLETION_OUTCOMES)
  outcome!: CompletionOutcome;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  notes?: string;
}

export class PaymentRequest {
  @ApiProperty({ example: 12000 })
  @IsInt({ message: 'amountFen must be an integer number of fen' })
  @Min(1)
  @Max(MAX_FEN)
  amountFen!: number;

  @ApiProperty({ enum: PAYMENT_METHODS })
  @IsIn(PAYMENT_METHODS)
  method!: PaymentMethod;

  @ApiProperty({ example: 'WX-4200001234' })
  @IsString()
  @Length(1, 100)
  reference!: string;
}

export class RefundRequest {
  @ApiProperty({ example: 3000 })
  @IsInt({ message: 'amountFen must be an integer number of fen' })
  @Min(1)
  @Max(MAX_FEN)
  amountFen!: number;

  @ApiProperty({ example: 'part returned unused' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

export class RatingRequest {
  @ApiProperty({ minimum: 1, maximum: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  stars!: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  comment?: string;
}

export class LineParam {
  @ApiProperty()
  @Matches(ID_PATTERN, { message: ID_MESSAGE('id') })
  id!: string;

  @ApiProperty({ example: 'L1' })
  @Matches(/^L\d{1,6}$/, { message: 'lineId must look like L1, L2, ...' })
  lineId!: string;
}

export class HistoryQuery {
  @ApiPropertyOptional({ description: 'Only events recorded at or before this instant; the state is folded from them' })
  @IsOptional()
  @IsInstant('asOf')
  asOf?: string;
}
