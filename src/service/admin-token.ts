// The workspace admin token (design.md "Admin token"): TB_ADMIN_TOKEN if set, else generated once and kept in the
// data dir. Tokens use Tinybird's static format `p.<base64url json>.<base64url hmac>` (spec §6.2) so clients that
// tell static tokens from JWTs by the `p.` prefix behave as with Tinybird.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function generateToken(payload: Record<string, unknown>, secret: string | Buffer): string {
  const body = b64url(JSON.stringify(payload));
  const sig = b64url(createHmac('sha256', secret).update(body).digest());
  return `p.${body}.${sig}`;
}

export const ADMIN_TOKEN_FILE = '_admin_token';

export async function resolveAdminToken(dataDir: string, configured: string): Promise<{ token: string; generated: boolean }> {
  if (configured) return { token: configured, generated: false };
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token) return { token, generated: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = generateToken({ u: randomUUID(), id: randomUUID(), host: 'duckbird' }, randomBytes(32));
  await mkdir(dataDir, { recursive: true });
  await writeFile(`${file}.tmp`, token + '\n', { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return { token, generated: true };
}
