/**
 * The programs of the transaction model test (test/transaction-model.test.ts) and the model that
 * says what each must leave behind: random sequential and concurrent calls in nested transactions,
 * the World they should produce, and each call's expected outcome.
 */
import fc from 'fast-check';

export type Leaf =
  | { kind: 'insert'; key: string; caught: boolean }
  | { kind: 'flow'; name: string }
  | { kind: 'detached'; key: string }
  | { kind: 'late'; on: 'db' | 'tx' }
  | { kind: 'acquire'; names: LimitName[] }
  | { kind: 'release'; name: LimitName }
  | { kind: 'block'; name: string }
  | { kind: 'rotate' }
  | { kind: 'logs'; n: number; bad: boolean }
  | { kind: 'purgeLogs' }
  /** A loop service inside the transaction: flowRuns.markLate() over the one overdue run. */
  | { kind: 'overdue' }
  /** The other loop services and deployment calls (issue 11): scheduleDue over the one deployment,
   * workPools.refreshStatus over its stale worker, failExpiredPauses over the expired pause, and
   * deployments.createFlowRun with an idempotency key. */
  | { kind: 'due' }
  | { kind: 'foreman' }
  | { kind: 'expire' }
  | { kind: 'adhoc'; key: string };
export type Op = Leaf | { kind: 'group'; ops: Op[] } | { kind: 'nested'; ops: Op[]; throws: boolean };
export interface Program {
  ops: Op[];
  throws: boolean;
}

/**
 * What a call reported: done, refused by the unique key, refused because its transaction ended, or
 * (an acquire) answered `acquired: false`.
 */
export type Outcome = 'ok' | 'conflict' | 'finished' | 'denied' | 'invalid' | 'ok or finished';

/**
 * Calls of several statements in turn. Beside a sibling that fails in a group, one may still be
 * running when the failure ends its transaction: its next statement is refused ('finished'), or it
 * was done first ('ok'). Either way the scope rolls back, so the world is the same.
 */
export const MULTI_STEP = new Set<Op['kind']>(['due', 'foreman', 'expire', 'adhoc']);
export function multiStepLeaves(o: Op): Op[] {
  if (o.kind === 'group' || o.kind === 'nested') return o.ops.flatMap(multiStepLeaves);
  return MULTI_STEP.has(o.kind) ? [o] : [];
}

/** Two global limits the programs acquire and release one slot at a time (issue 8). */
export const LIMITS = { L1: 2, L2: 1 } as const;
export type LimitName = keyof typeof LIMITS;

export const key = fc.constantFrom('k1', 'k2', 'k3', 'k4');
export const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), key, caught: fc.boolean() }),
  fc.record({ kind: fc.constant('flow' as const), name: fc.constantFrom('f1', 'f2', 'f3') }),
  fc.record({ kind: fc.constant('detached' as const), key }),
  fc.record({ kind: fc.constant('late' as const), on: fc.constantFrom('db' as const, 'tx' as const) }),
  fc.record({
    kind: fc.constant('acquire' as const),
    names: fc.subarray(['L1', 'L2'] as LimitName[], { minLength: 1 }),
  }),
  fc.record({ kind: fc.constant('release' as const), name: fc.constantFrom<LimitName>('L1', 'L2') }),
  // Block documents (issue 10): encrypted with the key generated in the same transaction, which a
  // rotation replaces; whatever rolls back, every stored document must still decrypt.
  fc.record({ kind: fc.constant('block' as const), name: fc.constantFrom('b1', 'b2', 'b3') }),
  fc.record({ kind: fc.constant('rotate' as const) }),
  // Logs (issue 9): a createMany of n rows (one invalid row refuses all), deleteBefore of them all.
  fc.record({ kind: fc.constant('logs' as const), n: fc.integer({ min: 1, max: 5 }), bad: fc.boolean() }),
  fc.record({ kind: fc.constant('purgeLogs' as const) }),
  fc.record({ kind: fc.constant('overdue' as const) }),
  fc.record({ kind: fc.constant('due' as const) }),
  fc.record({ kind: fc.constant('foreman' as const) }),
  fc.record({ kind: fc.constant('expire' as const) }),
  fc.record({ kind: fc.constant('adhoc' as const), key: fc.constantFrom('r1', 'r2') }),
);
export const { op } = fc.letrec<{ op: Op }>((tie) => ({
  op: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'op' },
    leaf,
    fc.record({ kind: fc.constant('group' as const), ops: fc.array(tie('op'), { maxLength: 4 }) }),
    fc.record({
      kind: fc.constant('nested' as const),
      ops: fc.array(tie('op'), { maxLength: 4 }),
      throws: fc.boolean(),
    }),
  ),
}));
export const program: fc.Arbitrary<Program> = fc.record({
  ops: fc.array(op, { maxLength: 8 }),
  throws: fc.boolean(),
});

/** The expected world: configuration keys and flow names; each call's outcome by its place in the program. */
export interface World {
  keys: Set<string>;
  flows: Set<string>;
  /** Active slots per limit. */
  slots: Record<LimitName, number>;
  /** Block document names. */
  blocks: Set<string>;
  /** Stored logs. */
  logs: number;
  /** Whether the overdue run was marked Late (by any committed markLate; never twice). */
  late: number;
  /** Whether a scheduleDue committed (its runs: 3, whatever the number of calls). */
  scheduled: number;
  /** Whether a refreshStatus committed (the worker is OFFLINE). */
  offline: number;
  /** Whether a failExpiredPauses committed (the paused run is FAILED). */
  failed: number;
  /** The idempotency keys of committed createFlowRun calls. */
  adhoc: Set<string>;
}

export const emptyWorld = (): World => ({
  keys: new Set(),
  flows: new Set(),
  slots: { L1: 0, L2: 0 },
  blocks: new Set(),
  logs: 0,
  late: 0,
  scheduled: 0,
  offline: 0,
  failed: 0,
  adhoc: new Set(),
});

export const copyWorld = (w: World): World => ({
  ...w,
  keys: new Set(w.keys),
  flows: new Set(w.flows),
  slots: { ...w.slots },
  blocks: new Set(w.blocks),
  adhoc: new Set(w.adhoc),
});

/** Which World flag each loop-service leaf sets. */
export const LOOP_FLAG = { overdue: 'late', due: 'scheduled', foreman: 'offline', expire: 'failed' } as const;

/** The window every scheduleDue of the programs uses: a day ahead, so no run it makes turns late. */
export const DUE_NOW = new Date(Date.now() + 86_400_000);

/** Runs the program against the model. Returns whether the scope threw. */
export function model(ops: Op[], world: World, outcomes: Map<Op, Outcome>, late: Op[]): boolean {
  for (const o of ops) {
    const threw = modelOne(o, world, outcomes, late);
    if (threw) return true;
  }
  return false;
}

export function modelOne(o: Op, world: World, outcomes: Map<Op, Outcome>, late: Op[]): boolean {
  switch (o.kind) {
    case 'insert':
    case 'detached': {
      const ok = !world.keys.has(o.key);
      if (ok) world.keys.add(o.key);
      outcomes.set(o, ok ? 'ok' : 'conflict');
      return !ok && o.kind === 'insert' && !o.caught;
    }
    case 'flow':
      world.flows.add(o.name);
      outcomes.set(o, 'ok');
      return false;
    case 'late':
      late.push(o);
      return false;
    case 'acquire': {
      // All-or-nothing: a denial takes no slot (its own savepoint undoes any partial work).
      const ok = o.names.every((n) => world.slots[n] + 1 <= LIMITS[n]);
      if (ok) for (const n of o.names) world.slots[n] += 1;
      outcomes.set(o, ok ? 'ok' : 'denied');
      return false;
    }
    case 'release':
      world.slots[o.name] = Math.max(0, world.slots[o.name] - 1);
      outcomes.set(o, 'ok');
      return false;
    case 'block': {
      const ok = !world.blocks.has(o.name);
      if (ok) world.blocks.add(o.name);
      outcomes.set(o, ok ? 'ok' : 'conflict');
      return !ok;
    }
    case 'rotate':
      outcomes.set(o, 'ok');
      return false;
    case 'logs':
      // A refused batch writes nothing; the caller catches the ValidationError.
      if (!o.bad) world.logs += o.n;
      outcomes.set(o, o.bad ? 'invalid' : 'ok');
      return false;
    case 'purgeLogs':
      world.logs = 0;
      outcomes.set(o, 'ok');
      return false;
    case 'overdue':
    case 'due':
    case 'foreman':
    case 'expire':
      // A loop service over its one row: done once committed, whatever the number of calls.
      world[LOOP_FLAG[o.kind]] = 1;
      outcomes.set(o, 'ok');
      return false;
    case 'adhoc':
      world.adhoc.add(o.key);
      outcomes.set(o, 'ok');
      return false;
    case 'group': {
      // Every call of the group was made; they ran in call order; the group fails if one did.
      let threw = false;
      for (const inner of o.ops) threw = modelOne(inner, world, outcomes, late) || threw;
      // Only the calls the model reached: one after a failure in a nested sequence is never made
      // (a seed found an expire behind a refused block expected as 'ok or finished').
      if (threw)
        for (const leaf of o.ops.flatMap(multiStepLeaves))
          if (outcomes.has(leaf)) outcomes.set(leaf, 'ok or finished');
      return threw;
    }
    case 'nested': {
      const copy = copyWorld(world);
      const threw = model(o.ops, copy, outcomes, late) || o.throws;
      if (!threw) Object.assign(world, copy);
      return false; // the parent catches what a nested transaction throws
    }
  }
}
