import { Inject, Injectable } from '@nestjs/common';
import { previewRows, type PreviewRow } from '@airlock/approval-rules';
import { redact } from '@airlock/audit-record';
import { Bundle } from '@airlock/bundle';
import { ApprovalPreviewsStore } from './approval-previews.store';
import type { ApprovalView } from './approval-view';

/** What a call waiting for approval would change, field by field, or why nobody can say. */
export type PreviewShown = { rows: PreviewRow[] } | { missing: string };

/** The executor's preview of a request as approvers see it, on the console and over the API. */
@Injectable()
export class ApprovalPreviews {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(ApprovalPreviewsStore) private readonly store: ApprovalPreviewsStore,
  ) {}

  /** Masked as the arguments are (the executor masked it too); a missing one is said, never waited for. */
  async shown(view: Pick<ApprovalView, 'proposal_id' | 'tool'>): Promise<PreviewShown> {
    const tool = this.bundle.tools.get(view.tool);
    if (tool?.preview === undefined) return { missing: `${view.tool} declares no way to preview it` };
    const preview = await this.store.find(view.proposal_id);
    if (preview === undefined) return { missing: 'the executor has not sent one yet' };
    const { before, after } = preview;
    if (preview.status === 'unavailable' || before === undefined || after === undefined) {
      return { missing: preview.reason ?? 'the executor could not read one' };
    }
    const mask = (state: Record<string, unknown>) =>
      redact(state, tool.sensitive_fields) as Record<string, unknown>;
    return { rows: previewRows(mask(before), mask(after)) };
  }
}
