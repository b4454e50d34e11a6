// Round trips per call, for the CPU scripts (issue 13). Counted outside the timed runs: the counters
// cost CPU of their own, in this process.
//
// PostgreSQL: a TCP proxy between the library and the server counts turns — a burst of bytes from
// the client once the server has answered (or on a new connection). Statements sent together
// (a pipelined BEGIN … COMMIT) are one turn, as they cost one wait for the network.
// SQLite: in-process, so a round trip is a statement run; better-sqlite3's statement and exec
// methods are wrapped to count them.
import { createServer, connect } from 'node:net';
import Sqlite from 'better-sqlite3';

/** Starts a proxy to the server of `pgUrl`; `url` goes through it, `turns` counts client turns. */
export async function countingProxy(pgUrl) {
  const target = new URL(pgUrl);
  const counter = { turns: 0 };
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    let answered = true;
    client.on('data', (chunk) => {
      if (answered) counter.turns++;
      answered = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      answered = true;
      client.write(chunk);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(a);
      a.on('close', () => b.destroy());
      a.on('error', () => b.destroy());
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(pgUrl);
  url.hostname = '127.0.0.1';
  url.port = String(server.address().port);
  return {
    url: url.toString(),
    counter,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Counts, from now on, the statements better-sqlite3 runs in this process (every connection: the
 * methods wrapped are the prototypes'). Installed once and never removed, before any connection
 * opens (a connection that has run `exec` already was seen to bypass a later wrapper); the count
 * costs a few ns a statement, nothing next to the hundreds of µs a call takes.
 */
export function countingSqliteStatements() {
  if (sqliteCounter) return sqliteCounter;
  const probe = new Sqlite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  const counter = { statements: 0 };
  for (const [proto, methods] of [
    [statement, ['run', 'get', 'all', 'iterate']],
    [Sqlite.prototype, ['exec']],
  ]) {
    for (const m of methods) {
      const original = proto[m];
      proto[m] = function (...args) {
        counter.statements++;
        return original.apply(this, args);
      };
    }
  }
  sqliteCounter = counter;
  return counter;
}

let sqliteCounter;
