// The 1-row baseline: a bare Express 5 server that reads and discards the body of POST /v0/events and answers
// what duckbird answers. Prints `ready <port>`.
import express from 'express';

const app = express();
app.post('/v0/events', (req, res) => {
  req.resume();
  req.on('end', () => res.json({ successful_rows: 1, quarantined_rows: 0 }));
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`ready ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
