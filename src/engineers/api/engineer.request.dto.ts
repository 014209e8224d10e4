import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IdParam, IsInstant, ReasonRequest } from '../../http/params.js';
export { ReasonRequest };
import { ID_PATTERN } from '../../shared/ids.js';
import {
  CREDENTIAL_KINDS,
  type CredentialKind,
  PROVIDER_TYPES,
  type ProviderType,
  VERIFYING_PARTIES,
  type VerifyingParty,
} from '../domain/engineer.events.js';

const SLUG = /^[a-z0-9_]{1,40}$/;

export class RegisterEngineerRequest {
  @ApiPropertyOptional({ description: 'Client-chosen id (1-64 of A-Z a-z 0-9 _ -); a UUID otherwise', example: 'eng-1001' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'engineerId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  engineerId?: string;

  @ApiProperty({ example: '王师傅' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ example: '13800138000' })
  @Matches(/^\+?[0-9 -]{5,20}$/, { message: 'phone must be 5-20 digits (spaces, dashes and a leading + allowed)' })
  phone!: string;

  @ApiProperty({ enum: PROVIDER_TYPES })
  @IsIn(PROVIDER_TYPES)
  providerType!: ProviderType;

  @ApiProperty({ example: 'midea-service-sh' })
  @Matches(ID_PATTERN, { message: 'providerId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  providerId!: string;

  @ApiProperty({ type: [String], example: ['shanghai'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(SLUG, { each: true, message: 'each city must be a lower-case slug such as shanghai' })
  cities!: string[];

  @ApiProperty({ type: [String], example: ['air_conditioner'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(SLUG, { each: true, message: 'each category must be a lower-case slug such as air_conditioner' })
  categories!: string[];
}

export class VerifyCredentialRequest {
  @ApiProperty({ enum: CREDENTIAL_KINDS })
  @IsIn(CREDENTIAL_KINDS)
  kind!: CredentialKind;

  @ApiPropertyOptional({ description: 'Required for kind skill', example: 'air_conditioner' })
  @IsOptional()
  @Matches(SLUG, { message: 'category must be a lower-case slug such as air_conditioner' })
  category?: string;

  @ApiProperty({ enum: VERIFYING_PARTIES })
  @IsIn(VERIFYING_PARTIES)
  verifiedBy!: VerifyingParty;

  @ApiProperty({ example: 'SAFE-2026-00017' })
  @IsString()
  @Length(1, 100)
  certificateNo!: string;

  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' })
  @IsInstant('validFrom')
  validFrom!: string;

  @ApiProperty({ example: '2027-01-01T00:00:00.000Z' })
  @IsInstant('validUntil')
  validUntil!: string;
}


export class RevokeCredentialRequest extends ReasonRequest {
  @ApiPropertyOptional({ description: 'The category of a skill credential', example: 'air_conditioner' })
  @IsOptional()
  @Matches(SLUG, { message: 'category must be a lower-case slug such as air_conditioner' })
  category?: string;
}

export class CredentialKindParam extends IdParam {
  @ApiProperty({ enum: CREDENTIAL_KINDS })
  @IsIn(CREDENTIAL_KINDS, { message: `kind must be one of ${CREDENTIAL_KINDS.join(', ')}` })
  kind!: CredentialKind;
}
