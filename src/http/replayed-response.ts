/** A stored first response of an idempotent request, sent again byte for byte by the error filter. */
export class ReplayedResponse {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {}
}
