/**
 * At most 100 schedules a deployment (docs/work.md): `schedules.create` counts the stored ones
 * under the deployment's lock. Shown to fail on the code that checked only the list given: 100 by
 * upsert and 100 more by create made 200, and two concurrent creates of 60 made 120.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError, type Database, ValidationError } from '../../src/index.js';
import { deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';
import { withHandles } from '../support/race.js';

const hourly = (n: number) => Array.from({ length: n }, (_, i) => ({ schedule: { interval: 3600 + i } }));

describe.each(DIALECTS)('the cap of 100 schedules a deployment (%s)', (dialect) => {
  const { f, deploy } = deploymentFixture(dialect);

  it('a create past the stored schedules is a ConflictError and writes nothing', async () => {
    const d = await deploy({ schedules: hourly(100) });
    const refused = await f.db.deployments.schedules.create(d.id, hourly(1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).message).toContain('cap of 100 per deployment (room for 0)');
    expect(await f.db.deployments.schedules.list(d.id)).toHaveLength(100);
    await deploy({ schedules: hourly(60) });
    await f.db.deployments.schedules.create(d.id, hourly(40));
    await expect(f.db.deployments.schedules.create(d.id, hourly(1))).rejects.toBeInstanceOf(ConflictError);
    await expect(f.db.deployments.schedules.create(d.id, hourly(101))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await f.db.deployments.schedules.list(d.id)).toHaveLength(100);
  });

  it('property: creates succeed exactly while the total stays within 100', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 4 }),
        async (sizes) => {
          const d = await deploy({ name: `p${n++}`, schedules: [] });
          let total = 0;
          for (const size of sizes) {
            const ok = await f.db.deployments.schedules.create(d.id, hourly(size)).then(
              () => true,
              (e: unknown) => {
                expect(e).toBeInstanceOf(ConflictError);
                return false;
              },
            );
            expect(ok).toBe(total + size <= 100);
            if (ok) total += size;
          }
          expect(await f.db.deployments.schedules.list(d.id)).toHaveLength(total);
        },
      ),
      { numRuns: dialect === 'sqlite' ? 30 : 15 },
    );
  }, 120_000);

  it('two concurrent creates within the room alone but not together: one passes', async () => {
    await withHandles(dialect, 2, async (db: Database, handles) => {
      const flow = await db.flows.create({ name: 'etl' });
      const d = await db.deployments.upsert({ flowId: flow.id, name: 'd' });
      const results = await Promise.allSettled(
        handles.map((h) => h.deployments.schedules.create(d.id, hourly(60))),
      );
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ConflictError);
      expect(await db.deployments.schedules.list(d.id)).toHaveLength(60);
    });
  }, 60_000);
});
