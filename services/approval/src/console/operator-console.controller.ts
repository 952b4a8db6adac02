import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AuditReader, type GateQuery } from '@airlock/audit-reading';
import { runReport, timelineOf } from '@airlock/audit-record';
import { spendStandings, windowStart } from '@airlock/budget-ledger';
import { Bundle } from '@airlock/bundle';
import { ClickHouseUnavailableError } from '@airlock/clickhouse';
import { isIdentifier } from '@airlock/contracts';
import { JsonLogger } from '@airlock/service-runtime';
import { UnknownOutcomes } from '../unknown-outcomes';
import type { PageNotice } from './console-html';
import { sendPage, sessionOf, type ConsoleRequest, type ConsoleResponse, type Form } from './console-http';
import { csrfMatches } from './console-session';
import { ConsoleSessionsStore, type ConsoleSession } from './console-sessions.store';
import { auditUnavailablePage, gatesPage, runPage, runsPage, unknownOutcomesPage } from './operator-pages';

/** How far back the runs list and the gates look unless told otherwise, and at most. */
const defaultDays = 14;
const maxDays = 90;
const maxRunsListed = 200;
/** The API's limit on a resolution's note (operator.dto ResolutionBody). */
const maxNoteLength = 2000;
/** The latest resolutions shown under the queue. */
const resolvedShown = 50;

/**
 * The console pages for whoever keeps Airlock running and reviews it: runs and their verified
 * record, the gates per day, agent and tool, and the queue of unknown outcomes. Any signed-in
 * account may look; only an operator resolves an unknown outcome, as on the operator API.
 */
@Controller('console')
export class OperatorConsoleController {
  constructor(
    @Inject(AuditReader) private readonly audit: AuditReader,
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(UnknownOutcomes) private readonly unknowns: UnknownOutcomes,
    @Inject(ConsoleSessionsStore) private readonly sessions: ConsoleSessionsStore,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  /** `?run=<id>` (the page's "open a run" box) goes to that run's page. */
  @Get('runs')
  async runs(@Req() req: ConsoleRequest, @Query() query: Form, @Res() res: ConsoleResponse): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    const asked = query['run'];
    if (typeof asked === 'string' && asked !== '') {
      return res.redirect(303, `/console/runs/${encodeURIComponent(asked)}`);
    }
    const days = daysOf(query['days']);
    await this.fromAudit(res, session, async () =>
      runsPage(await this.audit.recentRuns(days, maxRunsListed), days, session),
    );
  }

  @Get('runs/:runId')
  async run(
    @Req() req: ConsoleRequest,
    @Param('runId') runId: string,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    await this.fromAudit(res, session, async () => {
      const [rows, quarantined] = await Promise.all([
        this.audit.loadRun(runId),
        this.audit.quarantinedForRun(runId),
      ]);
      return runPage(runId, timelineOf(rows), runReport(runId, rows, quarantined), session);
    });
  }

  @Get('gates')
  async gates(@Req() req: ConsoleRequest, @Query() query: Form, @Res() res: ConsoleResponse): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    const now = new Date();
    const gateQuery: GateQuery = {
      days: daysOf(query['days']),
      ...(chosen(query['agent']) === undefined ? {} : { agentId: chosen(query['agent']) }),
      ...(chosen(query['tool']) === undefined ? {} : { tool: chosen(query['tool']) }),
    };
    const limits = this.bundle.budgets.limits ?? [];
    await this.fromAudit(res, session, async () => {
      const [days, byAgent, byTool, spend] = await Promise.all([
        this.audit.gateDays(gateQuery),
        this.audit.gateBreakdown(gateQuery, 'agent_id'),
        this.audit.gateBreakdown(gateQuery, 'tool'),
        // The month's first day covers every daily and monthly window that holds today.
        this.audit.spendSince(windowStart('month', now)),
      ]);
      const view = {
        query: gateQuery,
        days,
        byAgent,
        byTool,
        standings: spendStandings(limits, spend, now),
        agents: [...this.bundle.agents.keys()].sort(),
        tools: [...this.bundle.tools.keys()].sort(),
        now,
      };
      return gatesPage(view, session);
    });
  }

  @Get('unknown-outcomes')
  async unknownOutcomes(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    await this.renderUnknowns(res, 200, session);
  }

  /** The same resolution as POST /operator/unknown-outcomes/<id>/resolution, in the operator's name. */
  @Post('unknown-outcomes/:proposalId')
  async resolve(
    @Req() req: ConsoleRequest,
    @Param('proposalId') proposalId: string,
    @Body() form: Form,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    const session = await sessionOf(req, this.sessions);
    if (session === undefined) return res.redirect(303, '/console/sign-in');
    if (!csrfMatches(session.csrf, form['csrf'])) {
      return this.renderUnknowns(res, 403, session, {
        refused: 'the form is stale; reload the page and resolve again',
      });
    }
    // Looked up again: an operator removed from the bundle loses the right at once.
    const operator = (this.bundle.approvers.operators ?? []).find(
      (account) => session.role === 'operator' && account.id === session.accountId,
    );
    if (operator === undefined) {
      const refused = `${session.accountId} signed in as an ${session.role}; only an operator resolves an unknown outcome`;
      return this.renderUnknowns(res, 403, session, { refused });
    }
    const happened = form['happened'];
    const note = typeof form['note'] === 'string' ? form['note'].trim() : '';
    if ((happened !== 'succeeded' && happened !== 'failed') || note === '' || note.length > maxNoteLength) {
      const refused = `say whether it succeeded or failed, with a note of 1 to ${maxNoteLength} characters on how you found out`;
      return this.renderUnknowns(res, 400, session, { refused });
    }
    if (!isIdentifier(proposalId)) {
      return this.renderUnknowns(res, 404, session, { refused: 'no such unknown outcome' });
    }
    const answer = await this.unknowns.resolve(proposalId, { happened, note, resolved_by: operator.id });
    if (answer === undefined) {
      return this.renderUnknowns(res, 404, session, {
        refused: `no unknown outcome for proposal ${proposalId}`,
      });
    }
    if ('already' in answer) {
      const { happened: found, resolved_by: by } = answer.already;
      const refused = `${proposalId} was already resolved as ${found ?? ''} by ${by ?? ''}; their answer stands`;
      return this.renderUnknowns(res, 409, session, { refused });
    }
    this.logger.event('info', 'unknown outcome resolved on the console', {
      proposal_id: proposalId,
      happened,
      operator_id: operator.id,
    });
    await this.renderUnknowns(res, 200, session, { done: `${proposalId} is resolved as ${happened}.` });
  }

  /** A page read from ClickHouse; ClickHouse away is a page that says so (503), not an error page. */
  private async fromAudit(res: ConsoleResponse, session: ConsoleSession, render: () => Promise<string>) {
    try {
      sendPage(res, 200, await render());
    } catch (error) {
      if (!(error instanceof ClickHouseUnavailableError)) throw error;
      this.logger.event('warn', 'the console could not read the audit record', { error: error.message });
      sendPage(res, 503, auditUnavailablePage(error.message, session));
    }
  }

  private async renderUnknowns(
    res: ConsoleResponse,
    status: number,
    session: ConsoleSession,
    notice?: PageNotice,
  ): Promise<void> {
    const [open, resolved] = await Promise.all([this.unknowns.list('open'), this.unknowns.list('resolved')]);
    const latestFirst = resolved.sort(
      (a, b) => (b.resolved_at?.getTime() ?? 0) - (a.resolved_at?.getTime() ?? 0),
    );
    sendPage(res, status, unknownOutcomesPage(open, latestFirst.slice(0, resolvedShown), session, notice));
  }
}

/** 1 to 90 days; anything else (absent, junk) is the default. */
function daysOf(value: unknown): number {
  const days = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : defaultDays;
  return days >= 1 && days <= maxDays ? days : defaultDays;
}

/** A select's value: empty means all. */
function chosen(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
