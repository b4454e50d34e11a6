import { drizzle } from 'drizzle-orm/postgres-js';
import { PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js/session';
import type postgres from 'postgres';
import { DatabaseError } from '../../errors.js';
import * as schema from '../../schema/postgres/index.js';
import type { Executor, Row } from '../dialect.js';
import type { TransactionConnection, TransactionOptions } from '../transaction.js';
import { commitOutcomeUnknown, failureOf, isConnectionLoss, lostInTransaction } from '../connection-loss.js';
import { ConnectionWatch } from './connection-watch.js';
import { isolateClient } from './isolated-client.js';
import { ReservedTransaction } from './reserved-transaction.js';
import { withPreparedStatements } from './prepared-client.js';
import { PgFamilyDialect } from './pg-family-dialect.js';
import { checkPostgresSupport } from './support.js';

/** The parts of Drizzle's database object a transaction on another connection reuses. */
interface DrizzleInternals {
  dialect: ConstructorParameters<typeof PostgresJsSession>[1];
  session: {
    schema: ConstructorParameters<typeof PostgresJsSession>[2];
    options: ConstructorParameters<typeof PostgresJsSession>[3];
  };
}

type SessionConstructor = new (
  client: postgres.ReservedSql,
  dialect: DrizzleInternals['dialect'],
  schema: DrizzleInternals['session']['schema'],
  options: DrizzleInternals['session']['options'],
) => object;
type TransactionConstructor = new (
  dialect: DrizzleInternals['dialect'],
  session: object,
  schema: DrizzleInternals['session']['schema'],
) => Executor;

/** PostgreSQL through a postgres.js pool: one pool per handle, closed on close() when we created it. */
export class PostgresDialect extends PgFamilyDialect {
  readonly driver = 'postgres' as const;

  constructor(
    private readonly client: postgres.Sql,
    private readonly owned: boolean,
    private readonly preparedStatements: boolean,
  ) {
    super(
      drizzle(isolateClient(withPreparedStatements(client, preparedStatements)), {
        schema,
      }) as unknown as Executor,
      undefined,
    );
  }

  /**
   * BEGIN on a connection reserved from the pool, which stays ours until COMMIT or ROLLBACK. We own
   * BEGIN/COMMIT rather than postgres.js's `begin()` because it does not check the outcome: COMMIT
   * on an aborted transaction answers ROLLBACK without an error (semantics.md §1). With
   * `readFirst`, BEGIN is not awaited: it travels with the call's first statement, a read
   * (reserved-transaction.ts).
   */
  protected async openTransaction(options?: TransactionOptions): Promise<TransactionConnection> {
    const reserved = await this.client.reserve();
    const transaction = await ReservedTransaction.open(reserved, options?.readFirst === true);
    const { dialect, session } = this.root as unknown as DrizzleInternals;
    // Drizzle types a transaction's session on postgres.js's TransactionSql; a reserved connection
    // answers the same calls (unsafe, values) that the session makes. Its queries are decoded the
    // library's way, like the pool's (isolated-client.ts).
    const onConnection = new (PostgresJsSession as unknown as SessionConstructor)(
      isolateClient(withPreparedStatements(transaction.client, this.preparedStatements), this.client),
      dialect,
      session.schema,
      session.options,
    );
    const executor = new (PostgresJsTransaction as unknown as TransactionConstructor)(
      dialect,
      onConnection,
      session.schema,
    );
    const { client } = transaction;
    return {
      executor,
      // No parameters: postgres.js sends these with the simple protocol, never as prepared statements.
      // Handed to the connection now (`execute()`), not when first awaited: a savepoint is sent
      // without waiting for its answer, and the call's own statements must follow it. Awaiting
      // the query would start it a microtask later, after a statement the call sent at once
      // (seen: a log read sent before its SAVEPOINT, so its failure aborted the caller's transaction).
      exec: async (statement) => {
        await client.unsafe(statement).execute();
      },
      commit: () => transaction.commit(),
      rollback: () => transaction.rollback(),
      lastStatement: (send) => transaction.lastStatement(send),
      release: () => transaction.release(),
    };
  }

  /**
   * BEGIN, the statements and COMMIT handed to a reserved connection at once (postgres.js writes
   * them together and the server runs them in order). The first failure is the call's: a statement
   * that fails aborts the rest and COMMIT answers ROLLBACK, so nothing was written; a connection
   * lost before COMMIT ran rolled back too (retryable), one lost during COMMIT leaves the outcome
   * unknown, as for any transaction (connection-loss.ts).
   */
  async transactionInOneTrip(
    statements: readonly { text: string; params: readonly unknown[] }[],
  ): Promise<unknown[][][]> {
    // As BEGIN does for any transaction: a connection found lost here is a retryable loss.
    const reserved = await this.client.reserve().catch((error: unknown) => {
      throw failureOf(error);
    });
    const watch = new ConnectionWatch();
    try {
      // `execute()` hands each query over now, in this order (awaiting would start it later).
      const begin = reserved.unsafe('begin', [], { onexecute: watch.attach } as postgres.UnsafeQueryOptions);
      const queries = [
        begin.execute(),
        ...statements.map((s) =>
          reserved
            .unsafe(s.text, s.params as postgres.ParameterOrJSON<never>[], {
              prepare: this.preparedStatements,
            })
            .values()
            .execute(),
        ),
      ];
      const commit = reserved.unsafe('commit');
      queries.push(commit.execute());
      // Queries queued behind one that waits (a statement described before its first run on this
      // connection) are never answered once the connection closes: the close ends the wait.
      const closed = new Promise<{ lost: unknown }>((resolve) => {
        watch.onClose = (error) => resolve({ lost: error });
      });
      const outcome = await Promise.race([Promise.allSettled(queries), closed]);
      if (!Array.isArray(outcome)) {
        // postgres.js sets a query's `state` when it writes it: a COMMIT written may have run.
        const written = (commit as unknown as { state: unknown }).state;
        throw written ? commitOutcomeUnknown(outcome.lost) : lostInTransaction(outcome.lost);
      }
      const settled = outcome;
      const failed = settled.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) {
        const error = (settled[failed] as PromiseRejectedResult).reason;
        if (!isConnectionLoss(error)) throw error;
        throw failed === queries.length - 1 ? commitOutcomeUnknown(error) : lostInTransaction(error);
      }
      const answer = (settled[queries.length - 1] as PromiseFulfilledResult<{ command: string }>).value;
      if (answer.command !== 'COMMIT') {
        throw new DatabaseError(
          `PostgreSQL answered COMMIT with ${answer.command}: the transaction was rolled back, nothing was written`,
        );
      }
      return settled
        .slice(1, -1)
        .map((r) => [...(r as PromiseFulfilledResult<Iterable<unknown[]>>).value] as unknown[][]);
    } finally {
      watch.release(reserved);
    }
  }

  /**
   * The statement on the executor's own client (the pool's, or the reserved connection's; both wrapped
   * as every query of the library is: prepared-client.ts, isolated-client.ts), as Drizzle's prepared
   * query would send it, without it: its query object, tracing spans and cache check were about a
   * tenth of the library's JavaScript in a PostgreSQL state transition (issue 13). A driver error
   * arrives unwrapped; mapDriverError reads it as it reads the one Drizzle wraps.
   */
  override async queryArrays(
    executor: Executor,
    text: string,
    params: readonly unknown[],
  ): Promise<unknown[][]> {
    const { client } = (executor as unknown as { session: { client: postgres.Sql } }).session;
    const rows = await client.unsafe(text, params as postgres.ParameterOrJSON<never>[]).values();
    return rows as unknown as unknown[][];
  }

  protected checkServer(): Promise<void> {
    return checkPostgresSupport(async (text) => [...(await this.client.unsafe(text))] as Row[]);
  }

  protected async release(): Promise<void> {
    if (this.owned) await this.client.end({ timeout: 5 });
  }
}
