// Static tokens (spec §6): the admin token, datafile tokens (`TOKEN "name" READ|APPEND`, spec §6.3) and tokens made
// through the Tokens API, kept in `<data>/_tokens.json` (written to a temporary file, fsynced, renamed) so they
// survive restarts. The file is re-read when another process (`duckbird tokens create`) changed it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../datafiles/types.ts';
import { BadRequestError, NotFoundError, AppError } from '../errors.ts';
import { generateToken } from './admin-token.ts';
import { parseScope, sameScope, type Principal, type Scope } from './scopes.ts';

export const TOKENS_FILE = '_tokens.json';
export const ADMIN_TOKEN_NAME = 'admin token';

export interface StoredToken {
  readonly id: string;
  readonly name: string;
  readonly token: string;
  readonly description: string;
  readonly scopes: readonly Scope[];
  /** `C` made through the API or CLI; `DS`/`P` declared in a datafile. */
  readonly origin: { readonly type: 'C' | 'DS' | 'P'; readonly resource?: string };
  /**
   * The scopes the served project's `TOKEN` lines grant it, so that a reload or deploy can take back the ones whose
   * line is gone without touching scopes given through the Tokens API. Absent in files from older versions: then a
   * datafile token's scopes all count as declared.
   */
  readonly declared?: readonly Scope[];
}

interface TokensFile {
  workspace_id: string;
  tokens: StoredToken[];
}

export class TokenConflictError extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}

/** Tinybird's token JSON (spec §6.1 `to_dict`). */
export function tokenJson(t: StoredToken, host = 'duckbird'): Record<string, unknown> {
  return {
    id: t.id,
    token: t.token,
    scopes: t.scopes.map((s) => (s.resource === undefined ? { type: s.type } : { type: s.type, resource: s.resource, filter: s.filter ?? '' })),
    name: t.name,
    description: t.description,
    origin: t.origin,
    host,
  };
}

export function principalOf(t: StoredToken): Principal {
  return { kind: 'static', name: t.name, scopes: t.scopes };
}

export class TokenStore {
  private mtimeMs = 0;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private state: TokensFile,
    /** The admin token is not stored: it comes from TB_ADMIN_TOKEN or `<data>/_admin_token`. */
    readonly admin: StoredToken,
  ) {}

  /** Opens the store and creates or extends the tokens that `project`'s datafiles declare (spec §6.3). */
  static async open(dataDir: string, adminToken: string, project?: Project): Promise<TokenStore> {
    const file = join(dataDir, TOKENS_FILE);
    const state = await readState(file);
    const admin: StoredToken = {
      // A stable id for the admin token that does not reveal it.
      id: uuidFrom(createHash('sha256').update(`duckbird admin ${adminToken}`).digest()),
      name: ADMIN_TOKEN_NAME,
      token: adminToken,
      description: 'The workspace admin token',
      scopes: [{ type: 'ADMIN' }],
      origin: { type: 'C' },
    };
    const store = new TokenStore(file, state.data, admin);
    store.mtimeMs = state.mtimeMs;
    // Written at once so the workspace id (in every minted token and JWT) is stable from the first start.
    if (state.mtimeMs === 0) await store.mutate(() => undefined, true);
    if (project) await store.syncDatafileTokens(project);
    return store;
  }

  get workspaceId(): string {
    return this.state.workspace_id;
  }

  list(): StoredToken[] {
    return [this.admin, ...this.state.tokens];
  }

  /** By id or name, as the Tokens API addresses tokens. */
  get(idOrName: string): StoredToken | undefined {
    return this.list().find((t) => t.id === idOrName || t.name === idOrName);
  }

  require(idOrName: string): StoredToken {
    const t = this.get(idOrName);
    if (!t) throw new NotFoundError(`Token '${idOrName}' not found`);
    return t;
  }

  /** The token whose value is `value` among those loaded, without looking at the file (byValue's first look). */
  loadedByValue(value: string): StoredToken | undefined {
    return this.list().find((t) => t.token === value);
  }

  /** The stored token whose value is `value`, re-reading the file once when another process changed it. */
  async byValue(value: string): Promise<StoredToken | undefined> {
    const found = this.loadedByValue(value);
    if (found) return found;
    await this.reloadIfChanged();
    return this.loadedByValue(value);
  }

  async create(name: string, scopes: readonly Scope[], description = '', origin: StoredToken['origin'] = { type: 'C' }): Promise<StoredToken> {
    return this.mutate(() => {
      if (!name) throw new BadRequestError('name parameter is required');
      if (this.get(name)) throw new TokenConflictError(`Token with name "${name}" already exists`);
      const token: StoredToken = { id: randomUUID(), name, token: this.mint(), description, scopes: dedupe(scopes), origin };
      this.state.tokens.push(token);
      return token;
    });
  }

  /** Tokens API PUT: new scopes replace the old ones; name and description change when given. */
  async update(idOrName: string, changes: { name?: string; description?: string; scopes?: readonly Scope[] }): Promise<StoredToken> {
    return this.mutate(() => {
      const t = this.requireMutable(idOrName);
      if (changes.name && changes.name !== t.name && this.get(changes.name)) throw new TokenConflictError(`Token with name "${changes.name}" already exists`);
      const next: StoredToken = {
        ...t,
        name: changes.name || t.name,
        description: changes.description ?? t.description,
        scopes: changes.scopes ? dedupe(changes.scopes) : t.scopes,
      };
      this.replace(t, next);
      return next;
    });
  }

  async remove(idOrName: string): Promise<void> {
    await this.mutate(() => {
      const t = this.requireMutable(idOrName);
      this.state.tokens = this.state.tokens.filter((x) => x !== t);
    });
  }

  /** A new value for the token; the old one stops working. */
  async refresh(idOrName: string): Promise<StoredToken> {
    return this.mutate(() => {
      const t = this.requireMutable(idOrName);
      const next = { ...t, token: this.mint() };
      this.replace(t, next);
      return next;
    });
  }

  /**
   * Makes the datafile tokens match `project`'s `TOKEN` lines (spec §6.3), at start, on every hot reload and on every
   * deploy: a new name becomes a token with its scopes, the same name across files accumulates scopes, and a line
   * removed from its file takes its scope back. Tinybird manages resource-scoped tokens "via deployments" (docs,
   * forward/administration/tokens/static-tokens): a deployment that no longer declares a token removes it, so a
   * datafile token left with no scope is deleted. Tokens made through the API keep the scopes the API gave them.
   */
  async syncDatafileTokens(project: Project): Promise<void> {
    const wanted = new Map<string, { scopes: Scope[]; origin: StoredToken['origin'] }>();
    const add = (name: string, scope: Scope, origin: StoredToken['origin']) => {
      if (name === ADMIN_TOKEN_NAME) return;
      const w = wanted.get(name) ?? { scopes: [], origin };
      w.scopes.push(scope);
      wanted.set(name, w);
    };
    for (const ds of project.datasources) {
      for (const t of ds.tokens) add(t.name, { type: t.scope === 'READ' ? 'DATASOURCES:READ' : 'DATASOURCES:APPEND', resource: ds.name }, { type: 'DS', resource: ds.name });
    }
    for (const pipe of project.pipes) for (const t of pipe.tokens) add(t.name, { type: 'PIPES:READ', resource: pipe.name }, { type: 'P', resource: pipe.name });
    // A file that does not parse says nothing about its TOKEN lines: the scopes it granted stay until it is fixed.
    const broken = new Set(project.errors.map((e) => /^(?:.*\/)?([^/]+?)\.(?:datasource|pipe):\d+: /.exec(e)?.[1]).filter((n) => n !== undefined));
    await this.mutate(() => {
      const next: StoredToken[] = [];
      for (const t of this.state.tokens) {
        const before = declaredScopes(t);
        const unknown = before.filter((s) => s.resource !== undefined && broken.has(s.resource));
        const now = dedupe([...(wanted.get(t.name)?.scopes ?? []), ...unknown]);
        wanted.delete(t.name);
        if (before.length === 0 && now.length === 0) {
          next.push(t);
          continue;
        }
        const kept = t.scopes.filter((s) => !before.some((b) => sameScope(b, s)));
        const scopes = dedupe([...kept, ...now]);
        if (scopes.length === 0 && t.origin.type !== 'C') continue;
        next.push({ ...t, scopes, declared: now });
      }
      for (const [name, w] of wanted) {
        const scopes = dedupe(w.scopes);
        next.push({ id: randomUUID(), name, token: this.mint(), description: '', scopes, origin: w.origin, declared: scopes });
      }
      this.state.tokens = next;
    });
  }

  private requireMutable(idOrName: string): StoredToken {
    const t = this.require(idOrName);
    if (t === this.admin) throw new AppError(403, 'The admin token cannot be changed here: set TB_ADMIN_TOKEN or edit <data>/_admin_token and restart');
    return t;
  }

  private replace(old: StoredToken, next: StoredToken): void {
    this.state.tokens = this.state.tokens.map((x) => (x === old ? next : x));
  }

  private mint(): string {
    return generateToken({ u: this.state.workspace_id, id: randomUUID(), host: 'duckbird' }, randomBytes(32));
  }

  /** Runs one change at a time over the latest file contents, then writes the file durably. */
  private mutate<T>(change: () => T, force = false): Promise<T> {
    const run = this.writing.then(async () => {
      await this.reloadIfChanged();
      const before = JSON.stringify(this.state);
      const out = change();
      if (force || JSON.stringify(this.state) !== before) await this.write();
      return out;
    });
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async reloadIfChanged(): Promise<void> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.file)).mtimeMs;
    } catch {
      return;
    }
    if (mtimeMs === this.mtimeMs) return;
    const s = await readState(this.file);
    this.state = s.data;
    this.mtimeMs = s.mtimeMs;
  }

  private async write(): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(this.state, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    const dir = await open(join(this.file, '..'), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.mtimeMs = (await stat(this.file)).mtimeMs;
  }
}

function declaredScopes(t: StoredToken): readonly Scope[] {
  if (t.declared) return t.declared;
  return t.origin.type === 'C' ? [] : t.scopes;
}

function dedupe(scopes: readonly Scope[]): Scope[] {
  const out: Scope[] = [];
  for (const s of scopes) if (!out.some((x) => sameScope(x, s))) out.push(s);
  return out;
}

function uuidFrom(b: Buffer): string {
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

async function readState(file: string): Promise<{ data: TokensFile; mtimeMs: number }> {
  let text: string;
  let mtimeMs = 0;
  try {
    text = await readFile(file, 'utf8');
    mtimeMs = (await stat(file)).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return { data: { workspace_id: randomUUID(), tokens: [] }, mtimeMs: 0 };
  }
  const raw = JSON.parse(text) as { workspace_id?: string; tokens?: { scopes: (Scope | string)[] }[] };
  const tokens = (raw.tokens ?? []).map((t) => ({
    ...(t as unknown as StoredToken),
    // Scopes are kept as objects; strings (hand-edited files) are parsed like the API's `scope=` parameter.
    scopes: t.scopes.map((s) => (typeof s === 'string' ? parseScope(s) : s)),
  }));
  return { data: { workspace_id: raw.workspace_id ?? randomUUID(), tokens }, mtimeMs };
}

