/**
 * What flow-run calls take (flow-runs.ts): filters, list and count options, create and update
 * inputs, as zod schemas; bad input is a ValidationError naming the field (docs/repositories.md).
 */
import { z } from 'zod';
import { idFilter, tagsFilter, textFilter } from './filters.js';
import { flowWhere } from './flows.js';
import { RUN_SORTS } from './run-base.js';
import { runWhereFields } from './run-filters.js';
import { stateInput } from './states.js';
import { taskRunWhere } from './task-run-filters.js';
import {
  empiricalPolicy,
  entityName,
  indexedText,
  jsonObject,
  labels,
  limit,
  name,
  offset,
  tags,
  uuid,
} from './validation.js';

export const flowRunWhere = z.strictObject({
  ...runWhereFields,
  flowId: idFilter.optional(),
  deploymentId: idFilter.optional(),
  workQueueId: idFilter.optional(),
  workQueueName: textFilter.optional(),
  parentTaskRunId: idFilter.optional(),
  idempotencyKey: textFilter.optional(),
  flowVersion: textFilter.optional(),
});

/** Deployment filter shared by flow runs and task runs. */
export const deploymentRelation = z.strictObject({
  id: idFilter.optional(),
  name: textFilter.optional(),
  tags: tagsFilter.optional(),
});

const relatedFilters = {
  flow: flowWhere.optional(),
  deployment: deploymentRelation.optional(),
  workPool: z
    .strictObject({ id: idFilter.optional(), name: textFilter.optional(), type: textFilter.optional() })
    .optional(),
  workQueue: z.strictObject({ id: idFilter.optional(), name: textFilter.optional() }).optional(),
  /** Flow runs having at least one task run that matches. */
  taskRun: taskRunWhere.optional(),
};

export const flowRunQuery = z.strictObject({ where: flowRunWhere.optional(), ...relatedFilters });
export const flowRunList = z.strictObject({
  where: flowRunWhere.optional(),
  ...relatedFilters,
  sort: z.enum(RUN_SORTS).optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});

const runName = entityName(['flow_run', 'name']);

export const flowRunCreate = z.strictObject({
  flowId: uuid,
  name: runName.optional(),
  deploymentId: uuid.nullable().optional(),
  deploymentVersion: name.nullable().optional(),
  workQueueId: uuid.nullable().optional(),
  workQueueName: name.nullable().optional(),
  flowVersion: name.nullable().optional(),
  parameters: jsonObject.optional(),
  idempotencyKey: indexedText(['flow_run', 'idempotency_key']).nullable().optional(),
  context: jsonObject.optional(),
  empiricalPolicy: empiricalPolicy.optional(),
  tags: tags.optional(),
  labels: labels.nullable().optional(),
  createdBy: jsonObject.nullable().optional(),
  infrastructurePid: name.nullable().optional(),
  jobVariables: jsonObject.optional(),
  parentTaskRunId: uuid.nullable().optional(),
  autoScheduled: z.boolean().optional(),
  /** An initial state, applied with the bookkeeping in the same transaction. */
  state: stateInput.optional(),
});

export const flowRunUpdate = z.strictObject({
  name: runName.optional(),
  flowVersion: name.nullable().optional(),
  parameters: jsonObject.optional(),
  context: jsonObject.optional(),
  empiricalPolicy: empiricalPolicy.optional(),
  tags: tags.optional(),
  labels: labels.nullable().optional(),
  infrastructurePid: name.nullable().optional(),
  jobVariables: jsonObject.optional(),
  deploymentId: uuid.nullable().optional(),
  deploymentVersion: name.nullable().optional(),
  workQueueId: uuid.nullable().optional(),
  workQueueName: name.nullable().optional(),
});

export type FlowRunWhere = z.input<typeof flowRunWhere>;
export type FlowRunQuery = z.input<typeof flowRunQuery>;
export type FlowRunListOptions = z.input<typeof flowRunList>;
export type FlowRunCreate = z.input<typeof flowRunCreate>;
export type FlowRunUpdate = z.input<typeof flowRunUpdate>;
