import { consoleContentSecurityPolicy } from './approval-live-state';
import { cookieOf, sessionCookieName, sessionKey } from './console-session';
import type { ConsoleSession, ConsoleSessionsStore } from './console-sessions.store';

export interface ConsoleRequest {
  headers: Record<string, string | string[] | undefined>;
}

export interface ConsoleResponse {
  status(code: number): ConsoleResponse;
  setHeader(name: string, value: string | string[]): void;
  send(body: string): void;
  json(body: unknown): void;
  redirect(status: number, url: string): void;
}

/** A posted form, as the body parser hands it over: any field may be missing or of any type. */
export type Form = Record<string, unknown>;

/** See consoleContentSecurityPolicy for what a page may do. */
const pageHeaders: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': consoleContentSecurityPolicy,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function sendPage(res: ConsoleResponse, status: number, body: string): void {
  for (const [name, value] of Object.entries(pageHeaders)) res.setHeader(name, value);
  res.status(status).send(body);
}

/** The session the request's cookie names, unless there is none or it expired. */
export async function sessionOf(
  req: ConsoleRequest,
  sessions: ConsoleSessionsStore,
): Promise<ConsoleSession | undefined> {
  const sessionId = cookieOf(req.headers['cookie'], sessionCookieName);
  return sessionId === undefined ? undefined : sessions.find(sessionKey(sessionId), new Date());
}
