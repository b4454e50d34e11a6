/**
 * Model-based test of the transaction rules (semantics.md §1, issue 7 §1): random programs of
 * sequential and concurrent calls inside nested transactions, with caught and uncaught failures,
 * calls started without await, and calls scheduled to run after the end. Afterwards the database
 * equals the model, and every call's reported outcome matches what was stored.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type Database,
  DatabaseError,
  type DatabaseScope,
  generateEncryptionKey,
  MAX_TIME,
  ValidationError,
} from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';
import {
  DUE_NOW,
  LIMITS,
  type Op,
  type Outcome,
  emptyWorld,
  model,
  program,
} from './support/transaction-model-program.js';

class Thrown extends Error {}

/** Runs the program for real. `afterEnd` resolves once the outermost transaction has ended. */
async function execute(
  db: Database,
  scope: DatabaseScope,
  ops: Op[],
  outcomes: Map<Op, Outcome>,
  lateCalls: Promise<unknown>[],
  afterEnd: Promise<void>,
  detached: Promise<unknown>[],
): Promise<void> {
  for (const o of ops) await executeOne(db, scope, o, outcomes, lateCalls, afterEnd, detached);
}

const record = (o: Op, outcomes: Map<Op, Outcome>, promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      outcomes.set(o, 'ok');
      return value;
    },
    (error: unknown) => {
      if (error instanceof ConflictError) outcomes.set(o, 'conflict');
      else if (error instanceof ValidationError) outcomes.set(o, 'invalid');
      else if (error instanceof DatabaseError && /transaction has already/.test(error.message))
        outcomes.set(o, 'finished');
      else outcomes.set(o, `unexpected ${String(error)}` as Outcome);
      throw error;
    },
  );

const insertKey = (scope: Pick<Database, 'execute'>, k: string, dialect: string) => {
  const now = dialect === 'sqlite' ? Date.now() : new Date().toISOString();
  return scope.execute(
    sql`insert into configuration (id, created, updated, key, value) values (${crypto.randomUUID()}, ${now}, ${now}, ${k}, ${'{}'})`,
  );
};

async function executeOne(
  db: Database,
  scope: DatabaseScope,
  o: Op,
  outcomes: Map<Op, Outcome>,
  lateCalls: Promise<unknown>[],
  afterEnd: Promise<void>,
  detached: Promise<unknown>[],
): Promise<void> {
  switch (o.kind) {
    case 'insert': {
      const call = record(o, outcomes, insertKey(scope, o.key, db.dialect));
      await (o.caught ? call.catch(() => undefined) : call);
      return;
    }
    case 'detached':
      detached.push(record(o, outcomes, insertKey(scope, o.key, db.dialect)).catch(() => undefined));
      return;
    case 'flow':
      await record(o, outcomes, scope.flows.create({ name: o.name }));
      return;
    case 'acquire': {
      const result = await record(
        o,
        outcomes,
        scope.globalConcurrencyLimits.acquire({ names: o.names, slots: 1 }),
      );
      if (!(result as { acquired: boolean }).acquired) outcomes.set(o, 'denied');
      return;
    }
    case 'release':
      await record(o, outcomes, scope.globalConcurrencyLimits.release({ names: [o.name], slots: 1 }));
      return;
    case 'block':
      await record(
        o,
        outcomes,
        scope.blockDocuments.create({ ...block, name: o.name, data: { password: `secret-${o.name}` } }),
      );
      return;
    case 'rotate':
      await record(o, outcomes, scope.blockDocuments.rotateEncryptionKey(generateEncryptionKey()));
      return;
    case 'logs': {
      const logs = Array.from({ length: o.n }, (_, i) => ({
        name: 'model',
        level: o.bad && i === o.n - 1 ? 101 : 20,
        message: `m${i}`,
      }));
      await record(o, outcomes, scope.logs.createMany(logs)).catch(() => undefined);
      return;
    }
    case 'purgeLogs':
      await record(o, outcomes, scope.logs.deleteBefore(MAX_TIME));
      return;
    case 'overdue':
      await record(o, outcomes, scope.flowRuns.markLate());
      return;
    case 'due':
      await record(o, outcomes, scope.deployments.scheduleDue({ now: DUE_NOW }));
      return;
    case 'foreman':
      // An hour on: the worker (30 s heartbeat interval) is OFFLINE.
      await record(o, outcomes, scope.workPools.refreshStatus({ now: new Date(Date.now() + 3_600_000) }));
      return;
    case 'expire':
      await record(o, outcomes, scope.flowRuns.failExpiredPauses());
      return;
    case 'adhoc':
      await record(
        o,
        outcomes,
        scope.deployments.createFlowRun(loop.deploymentId, { idempotencyKey: o.key }),
      );
      return;
    case 'late': {
      // Registered inside the callback, so it runs with this async context after the end.
      const target = o.on === 'db' ? db : scope;
      const uniqueKey = `late-${lateCalls.length}-${Math.random().toString(36).slice(2)}`;
      lateCalls.push(
        afterEnd.then(() =>
          record(o, outcomes, insertKey(target, uniqueKey, db.dialect)).catch(() => undefined),
        ),
      );
      return;
    }
    case 'group': {
      const calls = o.ops.map((inner) =>
        executeOne(db, scope, inner, outcomes, lateCalls, afterEnd, detached),
      );
      // The group fails at its first failure, while its other calls may still be queued; the check
      // waits for them too, or a call still pending then has no outcome yet (a seed found it).
      for (const call of calls) detached.push(call.catch(() => undefined));
      await Promise.all(calls);
      return;
    }
    case 'nested': {
      const thrown = new Thrown('nested');
      const error = await scope
        .transaction(async (tx) => {
          await execute(db, tx, o.ops, outcomes, lateCalls, afterEnd, detached);
          if (o.throws) throw thrown;
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // A failure inside comes back as the very object that was thrown.
      if (error !== undefined && !(error instanceof ConflictError)) expect(error).toBe(thrown);
      return;
    }
  }
}

/** The block type and schema the programs' documents use. */
const block = { blockTypeId: '', blockSchemaId: '' };
/** The rows the loop services of a program work on, made afresh for each program. */
const loop = { deploymentId: '', overdueId: '', pausedId: '', workerId: '' };

describe.each(DIALECTS)('transaction model (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    block.blockTypeId = (await db.blockTypes.upsert({ slug: 'model', name: 'Model' })).id;
    block.blockSchemaId = (
      await db.blockSchemas.create({
        blockTypeId: block.blockTypeId,
        fields: { secret_fields: ['password'] },
      })
    ).id;
    for (const [name, limit] of Object.entries(LIMITS))
      await db.globalConcurrencyLimits.create({ name, limit });
  });
  afterAll(async () => {
    await db.close();
  });

  it('stores exactly what the model says, and every call reports what happened to it', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (p) => {
        await db.execute('delete from block_document');
        await db.execute('delete from configuration');
        await db.execute('delete from flow');
        await db.execute('delete from log');
        await db.execute('delete from deployment');
        await db.execute('delete from work_pool');
        const loopFlow = await db.flows.create({ name: `loop-${crypto.randomUUID()}` });
        loop.overdueId = (
          await db.flowRuns.create({
            flowId: loopFlow.id,
            state: { type: 'SCHEDULED', stateDetails: { scheduledTime: new Date(Date.now() - 60_000) } },
          })
        ).id;
        loop.pausedId = (
          await db.flowRuns.create({
            flowId: loopFlow.id,
            state: { type: 'PAUSED', stateDetails: { pauseTimeout: new Date(Date.now() - 60_000) } },
          })
        ).id;
        await db.workPools.create({ name: 'loop-pool' });
        loop.workerId = (await db.workers.heartbeat({ workPoolName: 'loop-pool', name: 'w' })).id;
        loop.deploymentId = (
          await db.deployments.upsert({
            flowId: loopFlow.id,
            name: 'loop',
            workPoolName: 'loop-pool',
            schedules: [{ schedule: { interval: 3600 } }],
          })
        ).id;
        await db.execute('update concurrency_limit_v2 set active_slots = 0, denied_slots = 0');

        const expected = new Map<Op, Outcome>();
        let world = emptyWorld();
        const lateOps: Op[] = [];
        const topThrew = model(p.ops, world, expected, lateOps) || p.throws;
        if (topThrew) world = emptyWorld();
        for (const o of lateOps) {
          // After the end: on `db` a call of its own (unique keys, so it lands); on `tx` refused.
          expected.set(o, (o as { on: string }).on === 'db' ? 'ok' : 'finished');
        }

        const actual = new Map<Op, Outcome>();
        const lateCalls: Promise<unknown>[] = [];
        const detached: Promise<unknown>[] = [];
        let end!: () => void;
        const afterEnd = new Promise<void>((resolve) => {
          end = resolve;
        });
        const thrown = new Thrown('top');
        const result = await db
          .transaction(async (tx) => {
            await execute(db, tx, p.ops, actual, lateCalls, afterEnd, detached);
            if (p.throws) throw thrown;
          })
          .then(
            () => 'committed' as const,
            (e: unknown) => e,
          );
        end();
        await Promise.all(lateCalls);
        await Promise.all(detached);

        if (topThrew) {
          expect(result).not.toBe('committed');
          if (!(result instanceof ConflictError)) expect(result).toBe(thrown);
        } else {
          expect(result).toBe('committed');
        }
        // The block key (and its id) the library keeps in configuration are not the program's keys.
        const keys = (await db.execute<{ key: string }>('select key from configuration'))
          .map((r) => r.key)
          .filter((k) => k !== 'block_encryption_key' && k !== 'block_encryption_kid');
        expect(keys.filter((k) => !k.startsWith('late-')).sort()).toEqual([...world.keys].sort());
        expect(keys.filter((k) => k.startsWith('late-'))).toHaveLength(
          lateOps.filter((o) => (o as { on: string }).on === 'db').length,
        );
        const flowNames = (await db.flows.list()).map((f) => f.name);
        expect(flowNames.filter((n) => !n.startsWith('loop-')).sort()).toEqual([...world.flows].sort());
        // The overdue run is Late once a markLate committed, else still Scheduled; never a second Late.
        expect((await db.flowRuns.get(loop.overdueId))!.stateName).toBe(world.late ? 'Late' : 'Scheduled');
        expect((await db.flowRuns.states(loop.overdueId)).filter((st) => st.name === 'Late')).toHaveLength(
          world.late,
        );
        // The loop services and createFlowRun: what committed is there once, what rolled back is not.
        const runs = await db.flowRuns.list({ where: { deploymentId: { any: [loop.deploymentId] } } });
        expect(runs.filter((r) => r.autoScheduled)).toHaveLength(3 * world.scheduled);
        expect(
          runs
            .filter((r) => !r.autoScheduled)
            .map((r) => r.idempotencyKey)
            .sort(),
        ).toEqual([...world.adhoc].sort());
        // The stored status (workers.list computes it from the heartbeat time on read).
        const [worker] = await db.execute<{ status: string }>(
          sql`select status from worker where id = ${loop.workerId}`,
        );
        expect(worker!.status).toBe(world.offline ? 'OFFLINE' : 'ONLINE');
        expect((await db.flowRuns.get(loop.pausedId))!.stateType).toBe(world.failed ? 'FAILED' : 'PAUSED');
        const slots = Object.fromEntries(
          (await db.globalConcurrencyLimits.list()).map((l) => [l.name, l.activeSlots] as const),
        );
        expect(slots).toEqual(world.slots);
        // Every stored document decrypts with the key that committed with it.
        const blocks = await db.blockDocuments.list({ includeSecrets: true });
        expect(blocks.map((b) => b.name).sort()).toEqual([...world.blocks].sort());
        for (const b of blocks) expect(b.data).toEqual({ password: `secret-${b.name}` });
        expect(await db.logs.count()).toBe(world.logs);
        for (const [o, outcome] of expected) {
          const got = actual.get(o);
          const ok = outcome === 'ok or finished' ? got === 'ok' || got === 'finished' : got === outcome;
          expect({ op: o, outcome: ok ? outcome : got }).toEqual({ op: o, outcome });
        }
      }),
      { numRuns: 200 },
    );
    // Generous: each program first sets up a flow, a pool, a worker, a deployment and two runs
    // (80 s on PostgreSQL on the shared CI machine).
  }, 600_000);
});
