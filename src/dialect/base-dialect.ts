import type { AsyncLocalStorage } from 'node:async_hooks';
import type { SQL } from 'drizzle-orm';
import { DatabaseError } from '../errors.js';
import type { SchemaShape } from '../introspection/schema-shape.js';
import type * as schema from '../schema/postgres/index.js';
import type {
  Dialect,
  DialectCapabilities,
  DialectName,
  DriverName,
  Executor,
  RawExecutor,
  Row,
  TransactionContext,
} from './dialect.js';
import type { SqlFragments } from './fragments.js';
import type { Gate } from './gate.js';
import { isRetryableTransactionError, mapDriverError } from './map-error.js';

const MAX_TRANSACTION_ATTEMPTS = 4;

/**
 * What the three dialects share: the transaction context (AsyncLocalStorage), the gate for
 * single-connection drivers, error mapping, work-in-flight tracking and use-after-close checks.
 * Subclasses supply the few primitives that differ.
 */
export abstract class BaseDialect implements Dialect {
  abstract readonly name: DialectName;
  abstract readonly driver: DriverName;
  abstract readonly capabilities: DialectCapabilities;
  abstract readonly tables: typeof schema;
  abstract readonly fragments: SqlFragments;

  #closing: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  /**
   * @param root the Drizzle database on the connection or pool
   * @param storage carries the open transaction; shared by handles that share one connection
   * @param gate serialises single-connection drivers (SQLite, PGlite); none for a Postgres pool
   */
  protected constructor(
    protected readonly root: Executor,
    protected readonly storage: AsyncLocalStorage<TransactionContext>,
    protected readonly gate: Gate | undefined,
  ) {}

  /** Opens the outermost transaction and runs `fn` in it. */
  protected abstract beginTransaction<T>(fn: (executor: Executor) => Promise<T>): Promise<T>;
  /** Opens a savepoint inside `context` and runs `fn` in it. */
  protected abstract beginSavepoint<T>(
    context: TransactionContext,
    fn: (executor: Executor) => Promise<T>,
  ): Promise<T>;
  protected abstract rows(executor: Executor, query: SQL): Promise<Row[]>;
  protected abstract runMigrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T>;
  protected abstract checkServer(): Promise<void>;
  abstract introspect(): Promise<SchemaShape>;
  /** A query returning one row when the table exists, none otherwise. */
  protected abstract tableExistsQuery(name: string): SQL;
  protected abstract release(): Promise<void>;

  /** Tracks the call for close(), maps driver errors, and refuses work after close(). */
  protected track<T>(work: () => Promise<T>): Promise<T> {
    // Work inside a transaction that was already in flight when close() began may finish.
    if (this.#closing && !this.storage.getStore()) {
      return Promise.reject(new DatabaseError('This database handle is closed'));
    }
    const promise = work().catch((error: unknown) => {
      throw mapDriverError(error);
    });
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Outside a transaction, single-connection drivers queue behind the gate. */
  protected serialised<T>(fn: () => Promise<T>): Promise<T> {
    return this.gate ? this.gate.run(fn) : fn();
  }

  run<T>(fn: (executor: Executor) => Promise<T>): Promise<T> {
    return this.track(() => {
      const context = this.storage.getStore();
      return context ? fn(context.executor) : this.serialised(() => fn(this.root));
    });
  }

  readonly #reusable = new Map<string, unknown>();

  reusable<T>(key: string, build: (root: Executor) => T): T | undefined {
    if (!this.capabilities.stableExecutor) return undefined;
    if (!this.#reusable.has(key)) this.#reusable.set(key, build(this.root));
    return this.#reusable.get(key) as T;
  }

  bind<T>(context: TransactionContext, fn: () => Promise<T>): Promise<T> {
    return this.storage.run(context, fn);
  }

  transaction<T>(fn: (context: TransactionContext) => Promise<T>, bound?: TransactionContext): Promise<T> {
    return this.track(async () => {
      const outer = bound ?? this.storage.getStore();
      if (outer) {
        return this.beginSavepoint(outer, (executor) => {
          const context = { executor, depth: outer.depth + 1 };
          return this.storage.run(context, () => fn(context));
        });
      }
      // Deadlocks and serialisation failures abort the whole transaction; run it again a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.serialised(() =>
            this.beginTransaction((executor) => {
              const context = { executor, depth: 0 };
              return this.storage.run(context, () => fn(context));
            }),
          );
        } catch (error) {
          if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * Math.random()));
        }
      }
    });
  }

  query(query: SQL): Promise<Row[]> {
    return this.run((executor) => this.rows(executor, query));
  }

  async hasTable(name: string): Promise<boolean> {
    return (await this.query(this.tableExistsQuery(name))).length > 0;
  }

  migrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T> {
    return this.track(() => {
      if (this.storage.getStore()) {
        throw new DatabaseError('Migrations cannot run inside db.transaction(); call migrate() outside it');
      }
      return this.serialised(() => this.runMigrationStep(fn));
    });
  }

  checkSupport(): Promise<void> {
    return this.track(() => this.serialised(() => this.checkServer()));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.release();
    })();
    return this.#closing;
  }
}
