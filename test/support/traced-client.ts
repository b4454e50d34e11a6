/**
 * A library handle over a one-connection postgres.js client that records what the library sends:
 * each statement with its parameters, and a timeline of statements and answers from which the
 * round trips are read (PostgreSQL server only: PGlite has no `debug` hook and no socket).
 */
import net from 'node:net';
import postgres from 'postgres';
import { type Database, createDatabase } from '../../src/index.js';
import { ANSWER, roundTrips } from './round-trips.js';

export interface Traced {
  /** The library on the recording client. */
  db: Database;
  /** The statements `fn` sends through `db`, and the round trips they took. */
  record(fn: (db: Database) => Promise<unknown>): Promise<{
    statements: { text: string; params: unknown[] }[];
    trips: string[][];
  }>;
  close(): Promise<void>;
}

/** A traced handle on the database at `databaseUrl` (a PostgreSQL server's). */
export async function tracedHandle(databaseUrl: string): Promise<Traced> {
  const url = new URL(databaseUrl);
  let recording: { text: string; params: unknown[] }[] | undefined;
  let timeline: string[] | undefined;
  const client = postgres(url.toString(), {
    max: 1,
    onnotice: () => {},
    debug: (_connection, text, params) => {
      recording?.push({ text, params: [...params] });
      timeline?.push(text);
    },
    // Our socket, to see when answers arrive: a listener added before postgres.js's own, so an
    // answer is recorded before any statement postgres.js sends on receiving it. (postgres.js
    // takes `socket`; its types do not list it.)
    ...({
      socket: () => {
        const socket = net.connect(Number(url.port || 5432), url.hostname);
        socket.on('data', () => timeline?.push(ANSWER));
        return socket;
      },
    } as object),
  });
  const db = await createDatabase({ client });
  return {
    db,
    async record(fn) {
      recording = [];
      timeline = [];
      try {
        await fn(db);
        return { statements: recording, trips: roundTrips(timeline) };
      } finally {
        recording = undefined;
        timeline = undefined;
      }
    },
    async close() {
      await db.close();
      await client.end();
    },
  };
}
