/**
 * Runs once before the suite: decides which PostgreSQL the Postgres side uses and says so once.
 * With ORION_TEST_REQUIRE_SERVER=1 (CI) anything but ORION_TEST_POSTGRES_URL fails the run.
 */
import { resolvePostgresSource, releaseTestResources } from '../../src/testing/index.js';

export async function setup(): Promise<void> {
  const source = await resolvePostgresSource();
  console.log(`\n[orion-db tests] PostgreSQL for tests: ${source.description}\n`);
  if (process.env.ORION_TEST_REQUIRE_SERVER === '1' && source.kind !== 'url') {
    throw new Error(
      'ORION_TEST_REQUIRE_SERVER=1 but the Postgres tests would not run against ORION_TEST_POSTGRES_URL',
    );
  }
  // Workers inherit the environment: hand them the container we started instead of starting one each.
  if (source.kind === 'testcontainers') process.env.ORION_TEST_POSTGRES_URL = source.url;
}

export async function teardown(): Promise<void> {
  await releaseTestResources();
}
