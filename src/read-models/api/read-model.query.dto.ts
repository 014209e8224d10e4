import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { COMPLAINT_CATEGORIES } from '../../complaints/domain/complaint.events.js';
import { IsInstant } from '../../http/params.js';
import { SLUG, SLUG_MESSAGE } from '../../rate-cards/api/rate-card.request.dto.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { COMPLAINT_STAT_DIMENSIONS } from '../views.js';

/** `?minPosition=`: wait until the read model has processed this position (read-your-writes). */
export class ReadModelQuery {
  @ApiPropertyOptional({ description: "A command response's position: wait (bounded) until the read model has processed it, else 503 PROJECTION_LAGGING" })
  @IsOptional()
  @Matches(/^\d{1,20}$/, { message: 'minPosition must be a decimal position, as a command response gives it' })
  minPosition?: string;
}

export class PageQuery extends ReadModelQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}

export class BillsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'midea', description: 'Brand code, as orders record it (lower case)' })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE('brand') })
  brand?: string;

  @ApiPropertyOptional({ example: 'shanghai', description: 'City code, as orders record it (lower case)' })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE('city') })
  city?: string;

  @ApiPropertyOptional({ description: 'Orders created at or after this instant' })
  @IsOptional()
  @IsInstant('from')
  from?: string;

  @ApiPropertyOptional({ description: 'Orders created before this instant' })
  @IsOptional()
  @IsInstant('to')
  to?: string;
}

export class ScoresQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['A', 'B', 'C', 'D', 'provisional'] })
  @IsOptional()
  @IsIn(['A', 'B', 'C', 'D', 'provisional'], { message: 'tier must be one of A, B, C, D, provisional' })
  tier?: string;

  @ApiPropertyOptional({ description: "The engineer's home city (the first city they registered for)" })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE('city') })
  city?: string;
}

export class ComplaintsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['open', 'acknowledged', 'escalated', 'resolved'] })
  @IsOptional()
  @IsIn(['open', 'acknowledged', 'escalated', 'resolved'], { message: 'status must be one of open, acknowledged, escalated, resolved' })
  status?: string;

  @ApiPropertyOptional({ enum: COMPLAINT_CATEGORIES })
  @IsOptional()
  @IsIn(COMPLAINT_CATEGORIES, { message: `category must be one of ${COMPLAINT_CATEGORIES.join(', ')}` })
  category?: string;

  @ApiPropertyOptional({ example: 'midea', description: 'Brand code, as orders record it (lower case)' })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE('brand') })
  brand?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'engineerId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  engineerId?: string;

  @ApiPropertyOptional({ example: 'shanghai', description: 'City code, as orders record it (lower case)' })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE('city') })
  city?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: past the acknowledge or resolve deadline and not yet met, as of now' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'overdue must be true or false' })
  overdue?: 'true' | 'false';
}

export class ComplaintStatsQuery extends ReadModelQuery {
  @ApiPropertyOptional({ enum: Object.keys(COMPLAINT_STAT_DIMENSIONS), default: 'category' })
  @IsOptional()
  @IsIn(Object.keys(COMPLAINT_STAT_DIMENSIONS), { message: `by must be one of ${Object.keys(COMPLAINT_STAT_DIMENSIONS).join(', ')}` })
  by?: keyof typeof COMPLAINT_STAT_DIMENSIONS;
}
