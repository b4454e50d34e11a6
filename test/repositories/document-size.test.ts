/**
 * A user document holds at most MAX_JSON_BYTES of JSON text (docs/repositories.md, "JSON
 * documents"). Every path that stores one (test/support/user-documents.ts) stores a document of
 * exactly that size and gives it back, and refuses one byte more with a ValidationError before
 * anything is written; runs scheduled from documents at the cap are written too, so an accepted
 * document never becomes a statement the database cannot take (300 MB of parameters used to run
 * into PostgreSQL's statement timeout, reported as retryable).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, MAX_JSON_BYTES, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { DOCUMENT_PATHS, type DocumentKind, type Fixture, createFixture } from '../support/user-documents.js';

const bytesOf = (doc: unknown) => Buffer.byteLength(JSON.stringify(doc), 'utf8');

/**
 * A document of the kind whose JSON text is exactly `bytes` long: one padded member, or for labels
 * (string values of at most 1,024 characters) as many members as it takes, the last one padded.
 * `pad` is the padding character (1, 2 or 3 bytes of UTF-8, or one JSON escapes).
 */
function documentOfSize(kind: DocumentKind, bytes: number, pad = 'a'): Record<string, string> {
  const unit = bytesOf(pad) - 2;
  const doc: Record<string, string> = {};
  if (kind !== 'labels') {
    // {"pad":"…"} is 10 bytes around the padding.
    const room = bytes - 10;
    doc.pad = pad.repeat(Math.floor(room / unit)) + 'a'.repeat(room % unit);
    return doc;
  }
  // {"k0":"v…v","k1":…}: each member of 1,000 a's weighs its key, quotes, colon and comma.
  let size = 2;
  for (let i = 0; ; i++) {
    const key = `k${i}`;
    const member = key.length + 5;
    const room = bytes - size - member - (i > 0 ? 1 : 0);
    if (room <= 1000) {
      doc[key] = 'a'.repeat(room);
      return doc;
    }
    doc[key] = 'a'.repeat(1000);
    size += member + 1000 + (i > 0 ? 1 : 0);
  }
}

describe('documentOfSize', () => {
  it.each(['object', 'labels'] as const)('builds %s documents of the exact size asked', (kind) => {
    for (const pad of ['a', 'é', '€', '"', '\n']) {
      for (const bytes of [MAX_JSON_BYTES, MAX_JSON_BYTES + 1, 20_011]) {
        expect(bytesOf(documentOfSize(kind, bytes, pad))).toBe(bytes);
      }
    }
  });
});

describe.each(DIALECTS)('documents at the size cap (%s)', (dialect) => {
  let db: Database;
  let fixture: Fixture;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    fixture = await createFixture(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it.each(DOCUMENT_PATHS.map((p) => [p.name, p] as const))(
    '%s: the cap is stored and read back, one byte more is refused',
    async (name, path) => {
      const atCap = documentOfSize(path.kind, MAX_JSON_BYTES);
      for (const copy of await path.write(db, fixture, atCap)) {
        expect(bytesOf(copy)).toBe(MAX_JSON_BYTES);
        expect(JSON.stringify(copy)).toBe(JSON.stringify(atCap));
      }
      const over = documentOfSize(path.kind, MAX_JSON_BYTES + 1, '€');
      const error = await path.write(db, fixture, over).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(
        'at most 4,000,000 bytes of JSON text (got 4,000,001): keep large values outside the database',
      );
    },
    60_000,
  );

  it('refuses an oversized document without writing anything', async () => {
    const before = await db.flowRuns.count();
    const run = await db.flowRuns.create({ flowId: fixture.flowId, parameters: { a: 1 } });
    const over = documentOfSize('object', MAX_JSON_BYTES + 1);
    await expect(db.flowRuns.create({ flowId: fixture.flowId, parameters: over })).rejects.toThrow(
      /parameters: at most 4,000,000 bytes of JSON text \(got 4,000,001\)/,
    );
    await expect(db.flowRuns.update(run.id, { parameters: over })).rejects.toBeInstanceOf(ValidationError);
    await expect(db.flowRuns.setState(run.id, { type: 'RUNNING', data: over })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await db.flowRuns.count()).toBe(before + 1);
    expect((await db.flowRuns.get(run.id))!.parameters).toEqual({ a: 1 });
    expect(await db.flowRuns.states(run.id)).toEqual([]);
  });

  it('schedules runs whose parameters merge two documents to exactly the cap', async () => {
    // Each run carries the deployment's parameters and the schedule's (different keys here); the
    // merge must fit one document (schedule-parameter-size.test.ts refuses one byte more), and six
    // runs at the cap are past one statement's 16 MiB: the scheduler's batches are sized by bytes.
    const deployment = await db.deployments.upsert({
      flowId: fixture.flowId,
      name: fixture.next(),
      parameters: { deployment: 'd'.repeat(MAX_JSON_BYTES / 2 - 17) },
      schedules: [
        { schedule: { interval: 3600 }, parameters: { schedule: 's'.repeat(MAX_JSON_BYTES / 2 - 14) } },
      ],
    });
    const runs = await db.deployments.scheduleRuns(deployment.id, { max: 6 });
    expect(runs).toHaveLength(6);
    const read = (await db.flowRuns.get(runs[5]!.id))!;
    expect(Object.keys(read.parameters)).toEqual(['deployment', 'schedule']);
    expect(bytesOf(read.parameters)).toBe(MAX_JSON_BYTES);
    const [schedule] = await db.deployments.schedules.list(deployment.id);
    const oneByteMore = { schedule: 's'.repeat(MAX_JSON_BYTES / 2 - 13) };
    await expect(
      db.deployments.schedules.update(deployment.id, schedule!.id, { parameters: oneByteMore }),
    ).rejects.toBeInstanceOf(ValidationError);
  }, 120_000);
});
