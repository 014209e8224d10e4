import { ApiProperty } from '@nestjs/swagger';
import type { CommandResult } from '../event-store/handle-command.js';

/** What every successful command answers (API.md: at least id, revision, position). */
export class CommandResponse {
  @ApiProperty({ description: 'Id of the aggregate the command acted on' })
  id!: string;
  @ApiProperty({ description: "The stream's revision after the command" })
  revision!: number;
  @ApiProperty({ description: 'Global position of the last event written, as a decimal string; pass it as minPosition to read your write' })
  position!: string;
}

export function commandResponse(id: string, result: CommandResult<unknown>): CommandResponse {
  return { id, revision: result.revision, position: result.position.toString() };
}
