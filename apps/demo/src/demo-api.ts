import { TEST_SLUGS, isHubSpotKitError, type HubSpotIntegration, type Logger } from '@jobcannon/hubspot-core';
import type { RunSummary } from '@jobcannon/hubspot-sweep';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { HttpError } from './http-error.js';
import { emailProblem } from './invites/email-rules.js';
import { correctInvite, createInvite, getInvite, listInvites, otherInvitesOf, recordResult } from './invites/invites-repository.js';
import { DEMO_ORGS, ROLES, isOrgId, isRole, orgName, type DemoSession, type SessionCodec } from './session.js';

/** What the page needs to know about where it runs (shown in its footer, used for the emulator link). */
export interface DemoEnvironment {
  database: 'embedded' | 'postgres';
  /** Where the data lives, for people ("embedded PostgreSQL (PGlite) in apps/demo/.data"); never a URL. */
  databaseDescription: string;
  hubspot: 'emulator' | 'hubspot';
  /** The emulator's address as the browser reaches it; null with a real HubSpot app. */
  emulatorUrl: string | null;
}

export interface DemoApiOptions {
  db: Knex;
  integration: HubSpotIntegration;
  sessions: SessionCodec;
  /** The sweep's partial job, run now (`sweep.runNow('partial')`). */
  runPartialSweep: () => Promise<RunSummary>;
  environment: DemoEnvironment;
  logger: Logger;
  /** "Reset demo": wipes the demo's data and starts it again (null: not offered, e.g. with DATABASE_URL). */
  requestReset: (() => void) | null;
}

const sessionBody = z.object({
  orgId: z.string().refine(isOrgId, { message: `must be one of ${DEMO_ORGS.map((org) => org.id).join(', ')}` }),
  role: z.string().refine(isRole, { message: `must be one of ${ROLES.join(', ')}` }),
});

const slug = z.enum(TEST_SLUGS, { error: `must be one of ${TEST_SLUGS.join(', ')}` });

/** HubSpot's email rules (see email-rules.ts), so a typo is refused here and not weeks later at HubSpot. */
const hubspotEmail = z.string().superRefine((email, context) => {
  const problem = emailProblem(email);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
const personName = z.string().trim().max(100, { error: 'must be at most 100 characters' }).optional();

const inviteBody = z.object({
  email: hubspotEmail,
  firstName: personName,
  lastName: personName,
  tests: z
    .array(slug)
    .min(1, { error: 'must assign at least one test' })
    .refine((tests) => new Set(tests).size === tests.length, { error: 'must not assign a test twice' }),
});

/**
 * Only the shape is checked here. Ranges and codes (a DISC score of 140, MBTI "XXXX") are the kit's
 * to judge: the demo stores what it is given, and the kit records such a result as failed with its
 * reason, which the widget lists under "View N failed". That is how the real JobCannon behaves too.
 */
const resultBody = z
  .object({
    slug,
    dimensions: z.array(z.object({ name: z.string().min(1), score: z.number(), percentile: z.number().nullish() })).optional(),
    score: z.number().optional(),
    code: z.string().trim().min(1).optional(),
  })
  .refine((body) => body.dimensions !== undefined || body.score !== undefined || body.code !== undefined, {
    error: 'needs the result: dimensions, score or code',
  });

const correctionBody = z
  .object({ email: hubspotEmail.optional(), result: resultBody.optional() })
  .refine((body) => body.email !== undefined || body.result !== undefined, { error: 'needs the corrected email or result' });

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * The JSON API of the demo's own "JobCannon" panel (README: "The demo's API"). Everything but the
 * session routes needs a signed-in member and acts on that member's org only.
 */
export function createDemoApi(options: DemoApiOptions): Router {
  const { db, integration, sessions, environment } = options;
  const api = express.Router();
  api.use(express.json({ limit: '100kb' }));

  const signedIn = (req: Request): DemoSession => {
    const session = sessions.read(req);
    if (!session) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first: POST /api/session with { "orgId": "acme", "role": "admin" }.');
    return session;
  };
  const describe = (session: DemoSession | null) => (session ? { ...session, orgName: orgName(session.orgId) } : null);

  api.get('/session', (req, res) => {
    res.json({ session: describe(sessions.read(req)), orgs: DEMO_ORGS, roles: ROLES });
  });
  api.post('/session', (req, res) => {
    const body = parse(sessionBody, req.body);
    // Switching org or role ends the session signed in before (its cookie is refused from now on).
    sessions.revoke(req);
    const session = sessions.write(res, { orgId: body.orgId as DemoSession['orgId'], role: body.role as DemoSession['role'] });
    res.json({ session: describe(session) });
  });
  api.delete('/session', (req, res) => {
    sessions.clear(req, res);
    res.status(204).end();
  });

  // Signed-in only, and only what the page's footer and emulator link use: never a URL with
  // credentials, a key or a secret (DemoEnvironment holds none; describeDatabase names no URL).
  api.get('/environment', async (req, res) => {
    const session = signedIn(req);
    // The portal the org is connected to, so the page can link to that portal's contacts.
    const portalId = (await integration.status(session.orgId)).portal?.id ?? null;
    res.json({
      database: environment.database,
      databaseDescription: environment.databaseDescription,
      hubspot: environment.hubspot,
      emulatorUrl: environment.emulatorUrl,
      portalId,
      canReset: options.requestReset !== null && session.role === 'admin',
    });
  });

  api.get('/invites', async (req, res) => {
    const session = signedIn(req);
    const { limit } = parse(listQuery, req.query);
    res.json(await listInvites(db, session.orgId, limit));
  });

  api.post('/invites', async (req, res) => {
    const session = signedIn(req);
    const body = parse(inviteBody, req.body);
    res.status(201).json(await createInvite(db, { orgId: session.orgId, email: body.email, tests: body.tests, firstName: body.firstName ?? null, lastName: body.lastName ?? null }));
  });

  /** One invite and the candidate's other invites, for its page (`jc_result_url` leads there from HubSpot). */
  api.get('/invites/:id', async (req, res) => {
    const session = signedIn(req);
    const invite = await getInvite(db, session.orgId, String(req.params.id));
    if (!invite) throw new HttpError(404, 'NOT_FOUND', `No invite ${String(req.params.id)} in ${orgName(session.orgId)}.`);
    res.json({ invite, others: await otherInvitesOf(db, invite) });
  });

  /**
   * Corrects an invite (an email HubSpot refused, a mistyped score). A completed invite's newer
   * snapshot is queued in the same transaction; core then takes the older version's failures off
   * the list, under the old address too (the kit supersedes an invite's failures when the host
   * corrects it). `dismissed` counts the failures of this invite that the correction cleared.
   */
  api.patch('/invites/:id', async (req, res) => {
    const session = signedIn(req);
    const body = parse(correctionBody, req.body);
    const inviteId = String(req.params.id);
    const result = body.result
      ? { slug: body.result.slug, result: { dimensions: body.result.dimensions ?? [], ...(body.result.score !== undefined ? { score: body.result.score } : {}), ...(body.result.code !== undefined ? { code: body.result.code } : {}) } }
      : undefined;
    const failuresOfInvite = async () => (await integration.failures(session.orgId, { limit: 200 })).items.filter((item) => item.inviteId === inviteId).length;
    const before = await failuresOfInvite();
    const outcome = await correctInvite(db, integration, { orgId: session.orgId, inviteId, ...(body.email !== undefined ? { email: body.email } : {}), ...(result ? { result } : {}) });
    const dismissed = outcome.previousEmail !== outcome.invite.email ? Math.max(0, before - (await failuresOfInvite())) : 0;
    res.json({ invite: outcome.invite, hubspot: outcome.hubspot, dismissed });
  });

  api.post('/invites/:id/results', async (req, res) => {
    const session = signedIn(req);
    const { slug: testSlug, dimensions, score, code } = parse(resultBody, req.body);
    const result = { dimensions: dimensions ?? [], ...(score !== undefined ? { score } : {}), ...(code !== undefined ? { code } : {}) };
    res.json(await recordResult(db, integration, { orgId: session.orgId, inviteId: String(req.params.id), slug: testSlug, result }));
  });

  /** Runs the nightly partial sweep now, for every connected org, and pushes what it queued (admins only). */
  api.post('/sweep', async (req, res) => {
    const session = signedIn(req);
    if (session.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'Only admins can run the sweep.');
    res.json(await options.runPartialSweep());
  });

  /** "Reset demo": answers first, then the demo stops, deletes its data and starts again (admins only). */
  api.post('/reset', (req, res) => {
    const session = signedIn(req);
    if (session.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'Only admins can reset the demo.');
    if (!options.requestReset) throw new HttpError(409, 'RESET_UNAVAILABLE', 'This demo cannot reset itself (it runs on DATABASE_URL or a real HubSpot app): reset those by hand.');
    res.status(202).json({ resetting: true });
    res.on('finish', options.requestReset);
  });

  api.use((_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'No such API route.')));
  api.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, code, message } = describeApiError(error);
    if (status >= 500) options.logger.error('demo api: request failed', { message: error instanceof Error ? error.message : String(error) });
    res.status(status).json({ error: { code, message } });
  });
  return api;
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  // HubSpot's email reasons are whole sentences for the form; the others read "field must …".
  if (issue.code === 'custom' && field === 'email') throw new HttpError(400, 'INVALID_EMAIL', issue.message);
  throw new HttpError(400, 'BAD_REQUEST', `${field} ${issue.message}`);
}

function describeApiError(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return error;
  if (isHubSpotKitError(error)) return { status: error.httpStatus, code: error.code, message: error.message };
  // body-parser's errors carry a status (400 for malformed JSON, 413 for too large) and a safe message.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, code: 'BAD_REQUEST', message: (error as Error).message };
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong in the demo; see its terminal.' };
}
