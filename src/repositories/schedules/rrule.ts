/**
 * rrule schedules (RFC 5545 recurrence rules), as Prefect's `RRuleSchedule`: `{ rrule, timezone? }`
 * where `rrule` is the text of a rule or rule set (`RRULE:`, `EXRULE:`, `RDATE:`, `EXDATE:` and
 * `DTSTART:` lines; a bare `FREQ=...` is one rule), at most 6,500 characters (Prefect's
 * MAX_RRULE_LENGTH), and `timezone` an IANA zone (UTC when absent).
 *
 * Every date-time written in the rule (DTSTART, UNTIL, RDATE, EXDATE, with or without `Z`) is
 * wall-clock time in the schedule's timezone, as Prefect's `to_rrule` localises them (a `TZID`
 * naming another zone is refused in schedules.ts);
 * without DTSTART the rule starts 2020-01-01T00:00 there (Prefect's DEFAULT_ANCHOR_DATE).
 *
 * DST: the rrule library's own `tzid` handling converts through the host's zone and is wrong
 * around daylight-saving changes (jkbrzt/rrule issues #295, #611), so the rule is expanded in
 * floating wall-clock time and each occurrence is converted with `wallClockToInstant`, the rule
 * anchors use: a skipped local time moves forward by the gap, a repeated one happens once (the
 * earlier instant). Occurrences that land on the same instant count once.
 */
import { IANAZone } from 'luxon';
import { createRequire } from 'node:module';
import type { Options, RRule, RRuleSet } from 'rrule';
import { wallClockToInstant } from '../validation.js';

// rrule ships CommonJS for Node and an ESM build whose extensionless imports only bundlers can
// load; Node's ESM import of the CommonJS build sees no named exports. require() takes the
// CommonJS build everywhere (Node, vitest, bundled code).
const {
  RRule: RRuleClass,
  RRuleSet: RRuleSetClass,
  rrulestr,
  Frequency,
} = createRequire(import.meta.url)('rrule') as typeof import('rrule');

/** Prefect's limit on the length of an rrule string (about a year of RDATEs). */
export const MAX_RRULE_CHARS = 6500;
/** Prefect's default DTSTART, 2020-01-01T00:00 wall-clock time, as a floating date. */
const DEFAULT_DTSTART = new Date(Date.UTC(2020, 0, 1));
const DAY_MS = 86_400_000;
/** 0001-01-01T00:00Z, before any DTSTART or RDATE a rule can have. */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
/** A bound on the occurrences one expansion looks at, so that no rule can run away. */
const MAX_CANDIDATES = 100_000;
/** COUNT counts from DTSTART, so a rule with COUNT is iterated from there: bounded. */
export const MAX_RRULE_COUNT = 100_000;

const PERIOD_MS: Partial<Record<number, number>> = {
  [Frequency.SECONDLY]: 1_000,
  [Frequency.MINUTELY]: 60_000,
  [Frequency.HOURLY]: 3_600_000,
  [Frequency.DAILY]: 86_400_000,
  [Frequency.WEEKLY]: 7 * 86_400_000,
};

type NumberPart =
  | 'bymonth'
  | 'bymonthday'
  | 'byyearday'
  | 'byweekno'
  | 'byhour'
  | 'byminute'
  | 'bysecond'
  | 'bysetpos';
/** RFC 5545 §3.3.10 value ranges; `signed` parts also take the negative range and never 0. */
const RANGES: Record<NumberPart, { name: string; min: number; max: number; signed?: boolean }> = {
  bymonth: { name: 'BYMONTH', min: 1, max: 12 },
  bymonthday: { name: 'BYMONTHDAY', min: 1, max: 31, signed: true },
  byyearday: { name: 'BYYEARDAY', min: 1, max: 366, signed: true },
  byweekno: { name: 'BYWEEKNO', min: 1, max: 53, signed: true },
  byhour: { name: 'BYHOUR', min: 0, max: 23 },
  byminute: { name: 'BYMINUTE', min: 0, max: 59 },
  bysecond: { name: 'BYSECOND', min: 0, max: 59 },
  bysetpos: { name: 'BYSETPOS', min: 1, max: 366, signed: true },
};

function ruleProblem(o: Partial<Options>): string | undefined {
  if (o.freq === undefined || o.freq === null) return 'needs FREQ (e.g. FREQ=DAILY)';
  if (
    o.interval !== undefined &&
    !(Number.isInteger(o.interval) && o.interval >= 1 && o.interval <= 1_000_000)
  ) {
    return `INTERVAL must be a whole number from 1 to 1000000 (got ${o.interval})`;
  }
  if (
    o.count !== undefined &&
    o.count !== null &&
    !(Number.isInteger(o.count) && o.count >= 1 && o.count <= MAX_RRULE_COUNT)
  ) {
    return `COUNT must be a whole number from 1 to ${MAX_RRULE_COUNT} (got ${o.count})`;
  }
  if (o.count != null && o.until != null) return 'takes COUNT or UNTIL, not both (RFC 5545 §3.3.10)';
  for (const [part, range] of Object.entries(RANGES) as [NumberPart, (typeof RANGES)[NumberPart]][]) {
    const raw = o[part];
    if (raw === undefined || raw === null) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      const size = Math.abs(v);
      const ok =
        Number.isInteger(v) && size >= range.min && size <= range.max && (range.signed ? v !== 0 : v >= 0);
      if (!ok) {
        const allowed = range.signed ? `±${range.min}..${range.max}` : `${range.min}..${range.max}`;
        return `${range.name} values must be in ${allowed} (got ${v})`;
      }
    }
  }
  for (const d of [o.dtstart, o.until]) {
    if (d && Number.isNaN(d.getTime())) return 'has a date-time that is not valid';
  }
  return undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const list = (v: number[] | null | undefined): number[] | undefined => (v && v.length > 0 ? v : undefined);
const DAY_SECONDS = 86_400;
const UNIT_SECONDS: Partial<Record<number, number>> = {
  [Frequency.SECONDLY]: 1,
  [Frequency.MINUTELY]: 60,
  [Frequency.HOURLY]: 3600,
  [Frequency.DAILY]: DAY_SECONDS,
};

/**
 * A rule that never occurs makes the library iterate to year 9999 without returning (minutes for
 * a daily rule, practically forever for a minutely one), so such rules are refused up front, as
 * dateutil refuses a BYxxx "that generates an empty set". Checked: the times of day a sub-daily
 * step can reach, the weekdays a whole-day step can reach, the size of the set BYSETPOS picks
 * from in a week, and (by a yearly or monthly probe, which iterates per year or month) that the
 * day filters match some day.
 */
function neverOccurs(rule: RRule): string | undefined {
  const o = rule.options;
  const start = o.dtstart;
  const tod = start.getUTCHours() * 3600 + start.getUTCMinutes() * 60 + start.getUTCSeconds();
  const unit = UNIT_SECONDS[o.freq];
  // rrule 2.8 loops without end on e.g. FREQ=MINUTELY;INTERVAL=7;BYHOUR=7 (its minute stepping
  // skips to the next BYHOUR and loses the INTERVAL's phase); refused rather than hung on.
  if (unit !== undefined && unit < 3600 && list(o.byhour) && 60 % o.interval !== 0) {
    return 'with BYHOUR needs a MINUTELY or SECONDLY INTERVAL that divides 60 (the rrule library cannot expand it otherwise)';
  }
  if (unit !== undefined && unit < DAY_SECONDS) {
    const slots = DAY_SECONDS / unit;
    const g = gcd(o.interval % slots || slots, slots);
    let reachable = false;
    for (let v = Math.floor(tod / unit) % g; v < slots && !reachable; v += g) {
      const at = v * unit;
      reachable =
        (!list(o.byhour) || o.byhour.includes(Math.floor(at / 3600))) &&
        (unit > 60 || !list(o.byminute) || o.byminute.includes(Math.floor(at / 60) % 60)) &&
        (unit > 1 || !list(o.bysecond) || o.bysecond.includes(at % 60));
    }
    if (!reachable) return 'never occurs: its INTERVAL never reaches the BYHOUR/BYMINUTE/BYSECOND times';
  }
  if (unit !== undefined && (o.interval * unit) % (7 * DAY_SECONDS) === 0 && list(o.byweekday)) {
    const weekday = (start.getUTCDay() + 6) % 7; // the library's weekdays: Monday 0
    if (!o.byweekday.includes(weekday))
      return 'never occurs: its INTERVAL is whole weeks from a DTSTART on another weekday';
  }
  if (list(o.bysetpos) && o.freq !== Frequency.MONTHLY && o.freq !== Frequency.YEARLY) {
    const days = o.freq === Frequency.WEEKLY ? (list(o.byweekday)?.length ?? 1) : 1;
    const times =
      (list(o.byhour)?.length ?? 1) * (list(o.byminute)?.length ?? 1) * (list(o.bysecond)?.length ?? 1);
    if (o.bysetpos.some((p) => Math.abs(p) > days * times))
      return 'never occurs: BYSETPOS is beyond the set it picks from';
  }
  const monthly = o.freq === Frequency.MONTHLY;
  const probe = new RRuleClass({
    freq: monthly ? Frequency.MONTHLY : Frequency.YEARLY,
    dtstart: new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate())),
    bymonth: o.bymonth,
    bymonthday: [...(o.bymonthday ?? []), ...(o.bynmonthday ?? [])],
    byyearday: o.byyearday,
    byweekno: o.byweekno,
    // Ordinal weekdays (1MO) only exist for monthly and yearly rules, which the probe keeps.
    byweekday:
      o.bynweekday?.length && (monthly || o.freq === Frequency.YEARLY)
        ? rule.origOptions.byweekday
        : o.byweekday,
    bysetpos: monthly || o.freq === Frequency.YEARLY ? o.bysetpos : null,
    byhour: 0,
    byminute: 0,
    bysecond: 0,
  });
  if (probe.after(probe.options.dtstart, true) === null) return 'never occurs: no day matches its BY rules';
  // The rule itself, where iterating it to its end is cheap: one that ends (COUNT, UNTIL — an UNTIL
  // before DTSTART ends at once), or one with few periods (years or months up to 9999), such as
  // FREQ=YEARLY;INTERVAL=400;BYMONTH=2;BYMONTHDAY=29 from a year that is never a leap year.
  const ends = o.count != null || o.until != null;
  if ((ends || o.freq === Frequency.YEARLY || monthly) && rule.after(start, true) === null)
    return ends
      ? 'never occurs: it ends (COUNT or UNTIL) before its first occurrence'
      : 'never occurs: its INTERVAL never lands on a day its BY rules match';
  return undefined;
}

const SORTED_PARTS = ['byhour', 'byminute', 'bysecond'] as const;

/**
 * The rule without its TZID, starting at its DTSTART or Prefect's default. BYHOUR/BYMINUTE/BYSECOND
 * are sorted: the library builds each day's times in the order given and `between` stops at the
 * first one past its end, so `BYHOUR=1,0` would hide 00:00.
 */
function floatingRule(rule: RRule): RRule {
  const { tzid: _tzid, dtstart, ...rest } = rule.origOptions;
  const sorted: Partial<Options> = {};
  for (const part of SORTED_PARTS) {
    const v = rest[part];
    if (Array.isArray(v)) sorted[part] = [...v].sort((a, b) => a - b);
  }
  return new RRuleClass({ ...rest, ...sorted, dtstart: dtstart ?? DEFAULT_DTSTART });
}

/**
 * The first WKST value in the text that is not a weekday (RFC 5545 §3.3.10), if any. The rrule
 * library drops such a value without a word (the rule then starts weeks on Monday), so it is read
 * from the text, where it is still there.
 */
function badWeekStart(text: string): string | undefined {
  for (const [, value] of text.matchAll(/(?:^|[;:\s])WKST=([^;\s]*)/gi)) {
    if (!/^(MO|TU|WE|TH|FR|SA|SU)$/i.test(value!)) return value;
  }
  return undefined;
}

/**
 * Parses rrule text into a floating rule set, or says what is wrong with it. The message completes
 * "rrule schedules need ..." or reads on its own after "rrule ".
 */
export function compileRRule(text: string): { set: RRuleSet } | { problem: string } {
  const weekStart = badWeekStart(text);
  if (weekStart !== undefined)
    return { problem: `rrule WKST must be one of MO, TU, WE, TH, FR, SA, SU (got "${weekStart}")` };
  let parsed: RRuleSet;
  try {
    parsed = rrulestr(text, { forceset: true }) as RRuleSet;
  } catch (error) {
    return { problem: `rrule is not an RFC 5545 rule: ${(error as Error).message}` };
  }
  const set = new RRuleSetClass();
  for (const [rules, add] of [
    [parsed.rrules(), (r: RRule) => set.rrule(r)],
    [parsed.exrules(), (r: RRule) => set.exrule(r)],
  ] as const) {
    for (const rule of rules) {
      const problem = ruleProblem(rule.origOptions);
      if (problem) return { problem: `rrule ${problem}` };
      const floating = floatingRule(rule);
      const never = neverOccurs(floating);
      if (never) return { problem: `rrule ${never}` };
      add(floating);
    }
  }
  for (const d of parsed.rdates()) set.rdate(d);
  for (const d of parsed.exdates()) set.exdate(d);
  if (set.rrules().length === 0 && set.rdates().length === 0) {
    return { problem: 'rrule schedules need at least one RRULE or RDATE, e.g. "FREQ=WEEKLY;BYDAY=MO,WE,FR"' };
  }
  // A set of rules that all end (and RDATEs) may lose every occurrence to its EXDATEs and EXRULEs;
  // iterating it to its end is bounded by COUNT (at most MAX_RRULE_COUNT) or UNTIL.
  const ends = set.rrules().every((r) => r.options.count != null || r.options.until != null);
  if (ends && set.after(new Date(EARLIEST), true) === null)
    return { problem: 'rrule never occurs: its EXDATEs and EXRULEs remove every occurrence' };
  return { set };
}

/**
 * The library iterates every rule from its DTSTART. A rule without COUNT whose period is a fixed
 * length (SECONDLY to WEEKLY) produces the same occurrences from a DTSTART moved forward by whole
 * periods (its defaults — time of day, weekday — are kept), so it starts just before the window
 * instead of in 2020. COUNT counts from the real DTSTART, and months and years are few.
 */
function fastForward(set: RRuleSet, floatingStart: number): RRuleSet {
  const moved = new RRuleSetClass();
  const move = (rule: RRule): RRule => {
    const o = rule.origOptions;
    const period = PERIOD_MS[o.freq as number];
    const from = o.dtstart?.getTime();
    if (!period || o.count != null || from === undefined || from >= floatingStart) return rule;
    const step = period * (o.interval ?? 1);
    const periods = Math.floor((floatingStart - from) / step);
    return new RRuleClass({ ...o, dtstart: new Date(from + periods * step) });
  };
  for (const r of set.rrules()) moved.rrule(move(r));
  for (const r of set.exrules()) moved.exrule(move(r));
  for (const d of set.rdates()) moved.rdate(d);
  for (const d of set.exdates()) moved.exdate(d);
  return moved;
}

/** The largest or smallest UTC offset (ms) in force within a day of `instant` in `zone`. */
function offsetNear(instant: number, zone: string, pick: (...values: number[]) => number): number {
  const tz = IANAZone.create(zone);
  return pick(tz.offset(instant - DAY_MS), tz.offset(instant), tz.offset(instant + DAY_MS)) * 60_000;
}

/**
 * Up to `max` instants of an rrule schedule in [start, end), increasing and distinct. A floating
 * time F happens at F − offset, or later by the gap when it is skipped; so the floating window
 * is the instant window shifted by the offsets in force near its ends, and once `max` instants are
 * found nothing later than the largest plus the offset there can still land below it.
 */
export function rruleInstants(
  s: { rrule: string; timezone?: string | null },
  start: Date,
  end: Date,
  max: number,
): Date[] {
  const zone = s.timezone ?? 'UTC';
  const compiled = compileRRule(s.rrule);
  // Stored schedules were validated; one that no longer parses (a library change) yields nothing.
  if ('problem' in compiled) return [];
  const low = start.getTime() + offsetNear(start.getTime(), zone, Math.min);
  let high = end.getTime() + offsetNear(end.getTime(), zone, Math.max);
  const found = new Map<number, Date>();
  let seen = 0;
  fastForward(compiled.set, low).between(new Date(low), new Date(high), true, (floating) => {
    if (floating.getTime() > high || ++seen > MAX_CANDIDATES) return false;
    const at = wallClockToInstant(floating, zone);
    if (at && at >= start && at < end) {
      found.set(at.getTime(), at);
      if (found.size >= max) {
        const largest = Math.max(...found.keys());
        high = Math.min(high, largest + offsetNear(largest, zone, Math.max));
      }
    }
    return true;
  });
  return [...found.values()].sort((a, b) => a.getTime() - b.getTime()).slice(0, max);
}
