// Child process for the kill -9 test: appends numbered sessions with wait=true as fast as it can, with tiny flush
// and merge thresholds so the kill lands in flushes and merges too, and prints `ack <n>` after each answer.
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { Storage } from '../../src/storage/storage.ts';
import { CHARGING_SESSIONS, ndjson, session } from './ev-charging.ts';
import { CRASH_VIEWS, SESSION_IDS, USER_SESSIONS } from './crash-views.ts';

const [dir, firstArg, withViews] = process.argv.slice(2);
const db = await Database.open();
for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
const views = withViews === 'views';
const storage = await Storage.open(db, dir!, views ? [CHARGING_SESSIONS, SESSION_IDS, USER_SESSIONS] : [CHARGING_SESSIONS], {
  views: views ? CRASH_VIEWS : [],
  flushRows: 3,
  flushIntervalMs: 30,
  mergePolicy: { minParts: 2, maxParts: 10, smallPartRows: 1000 },
});
process.stdout.write('ready\n');
for (let n = Number(firstArg); ; n += 2) {
  await storage.append('charging_sessions', ndjson([session(n, 1), session(n + 1, 2)]), { wait: true });
  process.stdout.write(`ack ${n}\n`);
}
