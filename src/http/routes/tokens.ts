// Tokens API (spec §6.4): list, read, create (static, or a JWT when `expiration_time` is given, as the SDK's
// createJWT sends it), change, delete and refresh; every route needs TOKENS or ADMIN. Also Tinybird Local's
// `GET /tokens` bootstrap (spec §7.2), answered only to clients on this machine.
import express, { type Request, type Router } from 'express';
import type { Duckbird } from '../../service/duckbird.ts';
import { AppError, BadRequestError } from '../../errors.ts';
import { authenticate, requireScope } from '../auth.ts';
import { requestParams, type RawParams } from '../params.ts';
import { makeScope, parseScope, type Principal, type Scope } from '../../service/scopes.ts';
import { jwtScopes, signJwt } from '../../service/jwt.ts';
import { tokenJson } from '../../service/tokens.ts';

const all = (p: RawParams, key: string): string[] => {
  const v = p[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** Scopes from `scope=` parameters (strings) or a JSON body's `scopes` (objects or strings). */
function scopesFrom(req: Request, params: RawParams): Scope[] | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && Array.isArray(body.scopes)) {
    return (body.scopes as unknown[]).map((s) => {
      if (typeof s === 'string') return parseScope(s);
      if (s && typeof s === 'object') {
        const o = s as Record<string, unknown>;
        return makeScope(String(o.type ?? ''), typeof o.resource === 'string' ? o.resource : undefined, typeof o.filter === 'string' ? o.filter : undefined);
      }
      throw new BadRequestError('Invalid scope: each scope must be a string or an object with type and resource');
    });
  }
  const scopes = all(params, 'scope');
  return scopes.length ? scopes.map(parseScope) : undefined;
}

function bodyValue(req: Request, params: RawParams, key: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body[key] === 'string') return body[key] as string;
  const v = params[key];
  return Array.isArray(v) ? v[0] : v;
}

export function tokensRouter(app: Duckbird, bodyLimit: string): Router {
  const router = express.Router();
  const bodies = [express.urlencoded({ extended: false, limit: bodyLimit }), express.json({ limit: bodyLimit })];
  const manager = async (req: Request): Promise<Principal> => {
    const p = await authenticate(app, req, { handler: 'APITokensHandler' });
    requireScope(p, 'TOKENS');
    return p;
  };

  router.get('/tokens', (req, res) => {
    const ip = req.socket.remoteAddress ?? '';
    const loopback = /^(127\.|::1$|::ffff:127\.)/.test(ip);
    if (!loopback) throw new AppError(403, 'GET /tokens is only answered to clients on this machine');
    // Tinybird Local hands out a user, an admin and a workspace admin token; duckbird has one workspace and one
    // admin token, which serves all three purposes.
    res.json({ user_token: app.adminToken, admin_token: app.adminToken, workspace_admin_token: app.adminToken });
  });

  router.get('/v0/tokens', async (req, res) => {
    await manager(req);
    res.json({ tokens: app.tokens.list().map((t) => tokenJson(t)) });
  });

  router.get('/v0/tokens/:id', async (req, res) => {
    await manager(req);
    const id = String(req.params.id);
    if (id.endsWith('.token') && !app.tokens.get(id)) {
      res.type('text/plain').send(app.tokens.require(id.slice(0, -'.token'.length)).token);
      return;
    }
    res.json(tokenJson(app.tokens.require(id)));
  });

  router.post('/v0/tokens', ...bodies, async (req, res) => {
    await manager(req);
    const params = requestParams(req);
    const name = bodyValue(req, params, 'name') ?? '';
    const expiration = bodyValue(req, params, 'expiration_time');
    if (expiration !== undefined) {
      // A JWT (spec §6.5): signed with the admin token, nothing stored.
      const exp = Number(expiration);
      if (!Number.isFinite(exp)) throw new BadRequestError('expiration_time must be a unix timestamp in seconds');
      if (!name) throw new BadRequestError('name parameter is required');
      const body = (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body) ? req.body : {}) as Record<string, unknown>;
      const scopes = body.scopes ?? all(params, 'scope').map((s) => {
        const sc = parseScope(s);
        return { type: sc.type, resource: sc.resource, ...(sc.filter ? { filter: sc.filter } : {}) };
      });
      jwtScopes(scopes);
      const payload: Record<string, unknown> = { workspace_id: app.tokens.workspaceId, name, exp, scopes };
      if (body.limits !== undefined) payload.limits = body.limits;
      res.json({ token: signJwt(payload, app.adminToken) });
      return;
    }
    const token = await app.tokens.create(name, scopesFrom(req, params) ?? [], bodyValue(req, params, 'description') ?? '');
    res.json(tokenJson(token));
  });

  router.put('/v0/tokens/:id', ...bodies, async (req, res) => {
    await manager(req);
    const params = requestParams(req);
    const token = await app.tokens.update(String(req.params.id), {
      name: bodyValue(req, params, 'name'),
      description: bodyValue(req, params, 'description'),
      scopes: scopesFrom(req, params),
    });
    res.json(tokenJson(token));
  });

  router.delete('/v0/tokens/:id', async (req, res) => {
    await manager(req);
    await app.tokens.remove(String(req.params.id));
    res.status(204).end();
  });

  router.post('/v0/tokens/:id/refresh', async (req, res) => {
    await manager(req);
    res.json(tokenJson(await app.tokens.refresh(String(req.params.id))));
  });
  return router;
}
