import { Injectable } from '@nestjs/common';
import { CommandRunner } from '../../event-store/command-runner.js';
import type { RecordedEvent } from '../../event-store/envelope.js';
import { engineerDecider, type EngineerState } from '../domain/engineer.decider.js';
import { engineerStream } from '../domain/engineer.events.js';

/** Engineers as their streams say they are now: what dispatch relies on. */
@Injectable()
export class EngineerDirectory {
  constructor(private readonly runner: CommandRunner) {}

  load(engineerId: string): Promise<{ state: EngineerState; events: RecordedEvent[] }> {
    return this.runner.load(engineerStream(engineerId), engineerDecider);
  }

  /** The engineer now, for rules such as dispatch (kept folded between calls). */
  current(engineerId: string): Promise<EngineerState> {
    return this.runner.current(engineerStream(engineerId), engineerDecider);
  }
}
