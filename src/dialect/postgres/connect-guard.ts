/**
 * Keeps postgres.js's connect timeout a real bound on opening a connection.
 *
 * postgres.js 3.4 restarts its connect timer on every attempt, and when a server (or a proxy in
 * front of it) accepts the TCP connection and closes it before answering, it reconnects at once
 * for the query that waits, again and again: the query never fails, and the process spins
 * (porsager/postgres#1193, an open fix in #1214). This machine's route to 10.255.255.1 does just
 * that: a proxy accepts, answers `HTTP/1.1 400 Bad Request` to the startup message and closes. An unreachable host behind a proxy that accepts
 * everything looked like that: `createDatabase` hung forever. The library therefore hands
 * postgres.js the sockets itself (its `socket` option): each socket is returned at once, so
 * postgres.js's connect timer covers the TCP connect too, and carries its host and port, so
 * postgres.js's errors name them (for a socket it did not open itself they read
 * `undefined:undefined`). Sockets closed before a PostgreSQL answer are counted; once they
 * have gone on for the connect timeout, the next attempt fails with `CONNECT_TIMEOUT` naming the
 * server, which rejects the waiting query and ends the loop. Nothing here keeps a process alive
 * beyond the sockets postgres.js already owns. Not covered: once TLS has begun, postgres.js's own
 * timeout names the TLS socket it made, which carries no host or port (`undefined:undefined`).
 */
import { Socket, connect } from 'node:net';

/** What postgres.js passes its `socket` option: the parsed hosts and ports (or a Unix socket path). */
interface SocketOptions {
  host: readonly string[];
  port: readonly number[];
  path?: string | false;
}

/** The options to spread into `postgres(url, { ... })` for a pool whose connects are bounded. */
export interface GuardedConnectOptions {
  connect_timeout: number;
  socket: (options: SocketOptions) => Promise<Socket>;
}

/**
 * The first byte a PostgreSQL server sends on a new connection: `R` (authentication) or `E` (an
 * error) after the startup message, `S` or `N` after a TLS request.
 */
const POSTGRES_FIRST_BYTES = new Set([...'RESN'].map((c) => c.charCodeAt(0)));

/** The longest wait before connecting again after the server closed a connection unanswered. */
const MAX_PAUSE_MS = 500;

/** A socket that fails as soon as postgres.js listens to it, with a connection error naming `where`. */
function failedSocket(where: string, port: number | undefined, why: string): Socket {
  const socket = new Socket();
  const error = Object.assign(new Error(`write CONNECT_TIMEOUT ${where} (${why})`), {
    code: 'CONNECT_TIMEOUT',
    errno: 'CONNECT_TIMEOUT',
    address: where,
    port,
  });
  // postgres.js attaches its listeners when the factory's promise resolves; the error comes after.
  setImmediate(() => socket.destroy(error));
  return socket;
}

/**
 * postgres.js options that bound every connection's opening by `timeoutSeconds` (whole seconds,
 * as postgres.js takes them). `onSocket` sees each socket opened (the test helper unrefs its own).
 * @example postgres(url, { ...guardedConnect(10), max: 5 })
 */
export function guardedConnect(
  timeoutSeconds: number,
  onSocket?: (socket: Socket) => void,
): GuardedConnectOptions {
  const connectTimeout = Math.max(1, Math.ceil(timeoutSeconds));
  const timeoutMs = connectTimeout * 1000;
  let next = 0;
  /** When sockets began to be closed by the server before any answer, and how many were. */
  let failing: { since: number; closes: number } | undefined;

  const socket = async (options: SocketOptions): Promise<Socket> => {
    const index = next++ % Math.max(1, options.host.length);
    const host = options.host[index] ?? 'localhost';
    const port = options.port[index] ?? options.port[0] ?? 5432;
    const where = options.path ? options.path : `${host}:${port}`;
    if (failing) {
      // postgres.js reconnects at once for the waiting query: against a server (or a balancer in
      // front of a stopped one) that accepts and closes, 700 connections a second until the
      // deadline (a fresh user's trial: 7,226 in 10 s). Each attempt after such a close waits
      // twice as long as the last, from 10 ms up to 500 ms, never past the deadline.
      const left = failing.since + timeoutMs - Date.now();
      const pause = Math.min(MAX_PAUSE_MS, 10 * 2 ** Math.min(failing.closes, 6), left);
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
    if (failing && Date.now() - failing.since >= timeoutMs) {
      const { closes } = failing;
      failing = undefined;
      return failedSocket(
        where,
        options.path ? undefined : port,
        `the server accepted ${closes} connections in ${connectTimeout} s and closed each before a PostgreSQL answer`,
      );
    }
    const opened = Date.now();
    const created = options.path ? connect(options.path) : connect(port, host);
    Object.assign(created, { host: options.path || host, port: options.path ? undefined : port });
    let answered = false;
    created.once('close', () => {
      if (answered) return;
      failing ??= { since: opened, closes: 0 };
      failing.closes += 1;
    });
    // A PostgreSQL answer (and only one: a proxy that answers HTTP and closes looped the same way)
    // ends a run of failures that began before this socket opened.
    created.once('data', (chunk: Buffer) => {
      answered = POSTGRES_FIRST_BYTES.has(chunk[0] ?? 0);
      if (answered && failing && opened >= failing.since) failing = undefined;
    });
    onSocket?.(created);
    return created;
  };
  return { connect_timeout: connectTimeout, socket };
}
