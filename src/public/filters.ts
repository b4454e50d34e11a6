/** Filters shared by the list and count calls (docs/repositories.md, "Filters"). */
import type { StateType } from '../schema/enums.js';

export interface IdFilter {
  any?: string[] | undefined;
  notAny?: string[] | undefined;
  isNull?: boolean | undefined;
}

export interface TagsFilter {
  all?: string[] | undefined;
  any?: string[] | undefined;
  isNull?: boolean | undefined;
}

export interface TextFilter {
  any?: string[] | undefined;
  notAny?: string[] | undefined;
  like?: string | undefined;
  startsWith?: string | undefined;
  isNull?: boolean | undefined;
}

export interface TimeFilter {
  before?: string | Date | undefined;
  after?: string | Date | undefined;
  isNull?: boolean | undefined;
}

/** A run's state filter: by type, by name. */
export interface StateFilter {
  type?: { any?: StateType[] | undefined; notAny?: StateType[] | undefined } | undefined;
  name?: TextFilter | undefined;
}
