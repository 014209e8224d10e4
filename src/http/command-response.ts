import { ApiProperty } from '@nestjs/swagger';
import type { CommandResult } from '../event-store/handle-command.js';

/** Where a stream stands: what commands answer and what reads of one stream add. */
export class StreamPositionDoc {
  @ApiProperty({ description: "The stream's revision (after the command, for a command's answer)" })
  revision!: number;
  @ApiProperty({ description: "Global position of the stream's last event, as a decimal string; pass it as minPosition to read your write" })
  position!: string;
}

/** What every successful command answers (API.md: at least id, revision, position). */
export class CommandResponse extends StreamPositionDoc {
  @ApiProperty({ description: 'Id of the aggregate the command acted on' })
  id!: string;
}

export function commandResponse(id: string, result: CommandResult<unknown>): CommandResponse {
  return { id, revision: result.revision, position: result.position.toString() };
}
