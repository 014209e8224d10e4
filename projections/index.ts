import { billsProjection } from './bills.projection.js';
import { complaintsProjection, type ComplaintSlaSettings } from './complaints.projection.js';
import { engineerScoresProjection } from './engineer-scores.projection.js';
import type { Projection } from './projection.js';
import { readAuditProjection } from './read-audit.projection.js';

/** Every projection the runner feeds, in a fixed order: bills, complaints, engineer scores, read audit. */
export function allProjections(settings: { complaintSla: ComplaintSlaSettings }): Projection[] {
  return [billsProjection, complaintsProjection(settings.complaintSla), engineerScoresProjection, readAuditProjection];
}

export * from './bills.projection.js';
export * from './complaints.projection.js';
export * from './engineer-scores.projection.js';
export * from './mask.js';
export * from './projection.js';
export * from './read-audit.projection.js';
export * from './row-set.js';
