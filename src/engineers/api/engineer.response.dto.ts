import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { StreamPositionDoc } from '../../http/command-response.js';
import { PROVIDER_TYPES } from '../domain/engineer.events.js';

/** What GET /engineers/:id answers: the engineer as their stream says, and whether dispatchable now. */
export class EngineerDoc extends StreamPositionDoc {
  @ApiProperty()
  engineerId!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty()
  phone!: string;
  @ApiProperty({ enum: PROVIDER_TYPES })
  providerType!: string;
  @ApiProperty()
  providerId!: string;
  @ApiProperty({ type: [String] })
  cities!: string[];
  @ApiProperty({ type: [String] })
  categories!: string[];
  @ApiProperty({ enum: ['active', 'suspended'] })
  status!: string;
  @ApiPropertyOptional()
  suspensionReason?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Keyed by kind, or skill:<category>: kind, category?, verifications [verifiedBy, certificateNo, validFrom, validUntil], revoked? {reason}',
  })
  credentials!: Record<string, unknown>;
  @ApiProperty({ description: 'Whether every credential is held, verified by two parties and valid now, and the engineer is active (for some category)' })
  dispatchable!: boolean;
  @ApiProperty({ type: [String], description: 'Why not, one sentence each' })
  reasons!: string[];
  @ApiProperty({ type: [String], description: 'Codes of what is missing, e.g. skill:air_conditioner, suspended' })
  missing!: string[];
  @ApiProperty({ format: 'date-time', description: 'The instant dispatchability was judged at (now)' })
  asOf!: string;
}
