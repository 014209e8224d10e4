import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN } from '../../shared/ids.js';
import {
  COMPLAINT_CATEGORIES,
  type ComplaintCategory,
  LIABLE_PARTIES,
  type LiableParty,
  RESOLUTION_OUTCOMES,
  type ResolutionOutcome,
} from '../domain/complaint.events.js';

const ID_MESSAGE = (field: string) => `${field} must be 1-64 characters of A-Z a-z 0-9 _ -`;
const MAX_FEN = 100_000_000_00;

export class FileComplaintRequest {
  @ApiPropertyOptional({ example: 'cmp-1001' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE('complaintId') })
  complaintId?: string;

  @ApiProperty({ example: 'ord-1001' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE('orderId') })
  orderId!: string;

  @ApiProperty({ enum: COMPLAINT_CATEGORIES })
  @IsIn(COMPLAINT_CATEGORIES)
  category!: ComplaintCategory;

  @ApiProperty({ example: '师傅收了两次上门费' })
  @IsString()
  @Length(1, 4000)
  description!: string;

  @ApiPropertyOptional({ description: 'What the customer claims, in fen', example: 5000 })
  @IsOptional()
  @IsInt({ message: 'claimedFen must be an integer number of fen' })
  @Min(1)
  @Max(MAX_FEN)
  claimedFen?: number;
}

export class TransferRequest {
  @ApiProperty({ example: 'agent-7' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE('toActorId') })
  toActorId!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 500)
  reason!: string;
}

export class CompensateRequest {
  @ApiProperty({ example: 5000 })
  @IsInt({ message: 'amountFen must be an integer number of fen' })
  @Min(1)
  @Max(MAX_FEN)
  amountFen!: number;

  @ApiProperty({ example: 'double call-out fee refunded in advance' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

export class ResolveRequest {
  @ApiProperty({ enum: RESOLUTION_OUTCOMES })
  @IsIn(RESOLUTION_OUTCOMES)
  outcome!: ResolutionOutcome;

  @ApiProperty({ enum: LIABLE_PARTIES })
  @IsIn(LIABLE_PARTIES)
  liableParty!: LiableParty;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  notes?: string;
}

/** Acknowledge takes `{}`; a note for the record may be added. */
export class AcknowledgeRequest {
  @ApiPropertyOptional({ example: 'called the customer back' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  note?: string;
}
