/** Schedule instants as ISO strings, for the table-driven schedule tests. */
import { expect } from 'vitest';
import { scheduleInstants, scheduleSchema } from '../../src/repositories/schedules.js';

export const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

/** The instants of `schedule` (validated first, as the repositories do) in [start, end), at most `max`. */
export const instants = (schedule: unknown, start: string, end: string, max = 100) =>
  iso(scheduleInstants(scheduleSchema.parse(schedule), new Date(start), new Date(end), max));

/** One row of an instants table: a schedule, a window and the instants it must give. */
export interface InstantsCase {
  what: string;
  schedule: unknown;
  start: string;
  end: string;
  expected: string[];
}

/** The check of an instants table row: `it.each(rows)('$what', expectInstants)`. */
export function expectInstants({ schedule, start, end, expected }: InstantsCase): void {
  expect(instants(schedule, start, end)).toEqual(expected);
}
