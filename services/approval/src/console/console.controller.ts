import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Approver } from '@airlock/approval-rules';
import { redact } from '@airlock/audit-record';
import { Bundle } from '@airlock/bundle';
import { JsonLogger } from '@airlock/service-runtime';
import { ApprovalDesk } from '../approval-desk';
import { ApprovalDeskError, statusOf } from '../approval-desk.errors';
import { maxCommentLength } from '../approval-requests.dto';
import type { ApprovalView } from '../approval-view';
import { approvalPage, approvalsPage, signInPage, type AnswerNotice } from './console-html';
import { sendPage, sessionOf, type ConsoleRequest, type ConsoleResponse, type Form } from './console-http';
import {
  clearedSessionCookie,
  cookieOf,
  csrfMatches,
  newSecret,
  sessionCookie,
  sessionCookieName,
  sessionKey,
  sessionLifetimeMs,
} from './console-session';
import { ConsoleSessionsStore, type ConsoleSession } from './console-sessions.store';
import { ConsoleSignIn } from './console-sign-in';

/** The approvers' web console: the approval API's desk, behind a session cookie instead of a bearer token. */
@Controller('console')
export class ConsoleController {
  constructor(
    @Inject(ApprovalDesk) private readonly desk: ApprovalDesk,
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(ConsoleSessionsStore) private readonly sessions: ConsoleSessionsStore,
    @Inject(ConsoleSignIn) private readonly signIn: ConsoleSignIn,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @Get()
  home(@Res() res: ConsoleResponse): void {
    res.redirect(303, '/console/approvals');
  }

  @Get('sign-in')
  signInForm(@Res() res: ConsoleResponse): void {
    sendPage(res, 200, signInPage());
  }

  @Post('sign-in')
  async signInWith(@Body() form: Form, @Res() res: ConsoleResponse): Promise<void> {
    const account = this.signIn.identify(form);
    if (account === undefined) {
      this.logger.event('warn', 'console sign-in refused', {});
      sendPage(res, 401, signInPage('That token is not an approver’s or operator’s in approvers.json.'));
      return;
    }
    const sessionId = newSecret();
    const expiresAt = new Date(Date.now() + sessionLifetimeMs);
    await this.sessions.create(sessionKey(sessionId), { ...account, csrf: newSecret() }, expiresAt);
    this.logger.event('info', 'console sign-in', { account_id: account.accountId, role: account.role });
    res.setHeader('Set-Cookie', sessionCookie(sessionId, sessionLifetimeMs));
    res.redirect(303, '/console/approvals');
  }

  @Post('sign-out')
  async signOut(@Req() req: ConsoleRequest, @Body() form: Form, @Res() res: ConsoleResponse): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session !== undefined && csrfMatches(session.csrf, form['csrf'])) {
      await this.sessions.delete(sessionKey(cookieOf(req.headers['cookie'], sessionCookieName) ?? ''));
      this.logger.event('info', 'console sign-out', { account_id: session.accountId });
    }
    res.setHeader('Set-Cookie', clearedSessionCookie);
    res.redirect(303, '/console/sign-in');
  }

  @Get('approvals')
  async list(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    sendPage(res, 200, approvalsPage(await this.desk.list('pending'), session, new Date()));
  }

  @Get('approvals/:proposalId')
  async show(
    @Req() req: ConsoleRequest,
    @Param('proposalId') proposalId: string,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    await this.render(res, 200, proposalId, session);
  }

  /** The same desk call as POST /approvals/<id>/approve|deny: quorum, separation of duties and single use apply. */
  @Post('approvals/:proposalId')
  async answer(
    @Req() req: ConsoleRequest,
    @Param('proposalId') proposalId: string,
    @Body() form: Form,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    // SameSite=Strict already keeps other sites' forms from carrying the cookie; this holds if it does not.
    if (!csrfMatches(session.csrf, form['csrf'])) {
      return this.render(res, 403, proposalId, session, {
        refused: 'the form is stale; reload the page and answer again',
      });
    }
    const verdict = form['verdict'];
    if (verdict !== 'approved' && verdict !== 'denied') {
      return this.render(res, 400, proposalId, session, { refused: 'answer with Approve or Deny' });
    }
    const approver = this.approverOf(session);
    if (approver === undefined) {
      const refused = `${session.accountId} signed in as an ${session.role}, not as an approver in approvers.json`;
      return this.render(res, 403, proposalId, session, { refused });
    }
    const comment =
      typeof form['comment'] === 'string' && form['comment'] !== '' ? form['comment'] : undefined;
    // The API's limit: the approval event's schema holds no longer comment, and an answer recorded
    // but unpublishable would leave the proposal waiting for good.
    if (comment !== undefined && comment.length > maxCommentLength) {
      const refused = `a comment may hold at most ${maxCommentLength} characters`;
      return this.render(res, 400, proposalId, session, { refused });
    }
    try {
      const result = await this.desk.decide(proposalId, approver, verdict, comment);
      const done =
        result.status === 'pending'
          ? `Your approval is counted; still pending, ${result.approved_by?.length ?? 0} approved, missing: ${(result.missing ?? []).join('; ')}`
          : `The request is ${result.status}.`;
      await this.render(res, 200, proposalId, session, { done });
    } catch (error) {
      if (!(error instanceof ApprovalDeskError)) throw error;
      await this.render(res, statusOf[error.code], proposalId, session, { refused: error.message });
    }
  }

  private async render(
    res: ConsoleResponse,
    status: number,
    proposalId: string,
    session: ConsoleSession,
    notice?: AnswerNotice,
  ): Promise<void> {
    let view: ApprovalView;
    try {
      view = await this.desk.show(proposalId);
    } catch (error) {
      if (error instanceof ApprovalDeskError && error.code === 'not_found') {
        return res.redirect(303, '/console/approvals');
      }
      throw error;
    }
    sendPage(res, status, approvalPage(this.masked(view), session, notice));
  }

  /** The console shows arguments as audit keeps them: the tool's sensitive fields masked. */
  private masked(view: ApprovalView): ApprovalView {
    const sensitive = this.bundle.tools.get(view.tool)?.sensitive_fields ?? [];
    return { ...view, arguments: redact(view.arguments, sensitive) as Record<string, unknown> };
  }

  /** Looked up again on every answer: an approver removed from the bundle loses the right at once. */
  private approverOf(session: ConsoleSession): Approver | undefined {
    if (session.role !== 'approver') return undefined;
    return this.bundle.approvers.approvers.find((approver) => approver.id === session.accountId);
  }
}
