import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Approver } from '@airlock/approval-rules';
import { AuditReader } from '@airlock/audit-reading';
import { redact, timelineOf } from '@airlock/audit-record';
import { Bundle } from '@airlock/bundle';
import { topics } from '@airlock/contracts';
import { policyTextsById } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';
import { ApprovalDesk } from '../approval-desk';
import { ApprovalDeskError, statusOf } from '../approval-desk.errors';
import { maxCommentLength } from '../approval-requests.dto';
import { ApprovalPreviews } from '../approval-previews';
import type { ApprovalView } from '../approval-view';
import { liveStateOf } from './approval-live-state';
import { approvalPage, type ApprovalPageContext } from './approval-page';
import { approvalsPage, signInPage, type PageNotice } from './console-html';
import { sendPage, sessionOf, type ConsoleRequest, type ConsoleResponse, type Form } from './console-http';
import {
  clearedSessionCookie,
  clearedSignInCookie,
  cookieOf,
  csrfMatches,
  newSecret,
  sessionCookie,
  sessionCookieName,
  sessionKey,
  sessionLifetimeMs,
  signInCookie,
  signInCookieName,
} from './console-session';
import { ConsoleSessionsStore, type ConsoleSession } from './console-sessions.store';
import { ConsoleSignIn } from './console-sign-in';

/** The approvers' web console: the approval API's desk, behind a session cookie instead of a bearer token. */
@Controller('console')
export class ConsoleController {
  /** Read once: the bundle does not change under a running service. */
  private readonly policyTexts: Readonly<Record<string, string>>;
  private readonly risks: ReadonlyMap<string, string>;

  constructor(
    @Inject(ApprovalDesk) private readonly desk: ApprovalDesk,
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(ConsoleSessionsStore) private readonly sessions: ConsoleSessionsStore,
    @Inject(ApprovalPreviews) private readonly previews: ApprovalPreviews,
    @Inject(AuditReader) private readonly audit: AuditReader,
    @Inject(ConsoleSignIn) private readonly signIn: ConsoleSignIn,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    this.policyTexts = policyTextsById(bundle.policies);
    this.risks = new Map([...bundle.tools.values()].map((tool) => [tool.name, tool.risk]));
  }

  @Get()
  home(@Res() res: ConsoleResponse): void {
    res.redirect(303, '/console/approvals');
  }

  @Get('sign-in')
  signInForm(@Res() res: ConsoleResponse): void {
    sendSignInForm(res, 200);
  }

  @Post('sign-in')
  async signInWith(
    @Req() req: ConsoleRequest,
    @Body() form: Form,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    // Login CSRF: without this pair another site could sign the victim in as the attacker, and the
    // victim's answers would then be recorded in the attacker's name.
    const formToken = cookieOf(req.headers['cookie'], signInCookieName);
    if (formToken === undefined || !csrfMatches(formToken, form['sign_in_csrf'])) {
      this.logger.event('warn', 'console sign-in refused: no matching sign-in form token', {});
      const problem =
        'This sign-in form expired or was not sent from this console; nobody was signed in. Sign in again.';
      sendSignInForm(res, 403, problem);
      return;
    }
    const account = this.signIn.identify(form);
    if (account === undefined) {
      this.logger.event('warn', 'console sign-in refused', {});
      sendSignInForm(res, 401, 'That token is not an approver’s or operator’s in approvers.json.');
      return;
    }
    const sessionId = newSecret();
    const expiresAt = new Date(Date.now() + sessionLifetimeMs);
    await this.sessions.create(sessionKey(sessionId), { ...account, csrf: newSecret() }, expiresAt);
    this.logger.event('info', 'console sign-in', { account_id: account.accountId, role: account.role });
    res.setHeader('Set-Cookie', [sessionCookie(sessionId, sessionLifetimeMs), clearedSignInCookie]);
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
    sendPage(res, 200, approvalsPage(await this.desk.list('pending'), session, new Date(), this.risks));
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

  /** Polled by the detail page's script, which reloads only when this changes. */
  @Get('approvals/:proposalId/state')
  async state(
    @Req() req: ConsoleRequest,
    @Param('proposalId') proposalId: string,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.status(401).json({ error: 'not signed in' });
    try {
      res.status(200).json(liveStateOf(await this.desk.show(proposalId)));
    } catch (error) {
      if (!(error instanceof ApprovalDeskError) || error.code !== 'not_found') throw error;
      res.status(404).json({ error: error.message });
    }
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
    // Exactly what the API's `for_rest_of_run` asks; the desk refuses it where policy does not allow it.
    const forRestOfRun = form['for_rest_of_run'] === 'true';
    try {
      const result = await this.desk.decide(proposalId, approver, verdict, comment, forRestOfRun);
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
    notice?: PageNotice,
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
    const [preview, runSoFar] = await Promise.all([this.previews.shown(view), this.runSoFar(view.run_id)]);
    sendPage(
      res,
      status,
      approvalPage(this.masked(view), session, { policyTexts: this.policyTexts, preview, runSoFar, notice }),
    );
  }

  /**
   * The run's outcomes as audit recorded them. An approval never waits on ClickHouse: when it
   * cannot answer, the page says so and the approver decides without it.
   */
  private async runSoFar(runId: string): Promise<ApprovalPageContext['runSoFar']> {
    try {
      const events = timelineOf(await this.audit.loadRun(runId));
      return { outcomes: events.filter((event) => event.topic === topics.outcomes.name) };
    } catch (error) {
      this.logger.event('warn', 'the approval page could not read the run from the audit record', {
        run_id: runId,
        error: (error as Error).message,
      });
      return { missing: 'the audit record cannot be read now' };
    }
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

/** A fresh form token with every form shown, so a refused form can be filled in again. */
function sendSignInForm(res: ConsoleResponse, status: number, problem?: string): void {
  const formToken = newSecret();
  res.setHeader('Set-Cookie', signInCookie(formToken));
  sendPage(res, status, signInPage(formToken, problem));
}
