CREATE TABLE `block_document` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`data` text NOT NULL,
	`is_anonymous` integer DEFAULT false NOT NULL,
	`block_type_name` text,
	`block_type_id` text NOT NULL,
	`block_schema_id` text NOT NULL,
	FOREIGN KEY (`block_type_id`) REFERENCES `block_type`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`block_schema_id`) REFERENCES `block_schema`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_block_document__block_type_id_name` ON `block_document` (`block_type_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_block_document__updated` ON `block_document` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_block_document__block_type_name_name` ON `block_document` (`block_type_name`,`name`);--> statement-breakpoint
CREATE INDEX `ix_block_document__is_anonymous` ON `block_document` (`is_anonymous`);--> statement-breakpoint
CREATE TABLE `block_document_reference` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`parent_block_document_id` text NOT NULL,
	`reference_block_document_id` text NOT NULL,
	FOREIGN KEY (`parent_block_document_id`) REFERENCES `block_document`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reference_block_document_id`) REFERENCES `block_document`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "ck_block_document_reference__not_self" CHECK(parent_block_document_id <> reference_block_document_id)
);
--> statement-breakpoint
CREATE INDEX `ix_block_document_reference__updated` ON `block_document_reference` (`updated`);--> statement-breakpoint
CREATE TABLE `block_schema` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`checksum` text NOT NULL,
	`fields` text DEFAULT '{}' NOT NULL,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`version` text DEFAULT 'non-versioned' NOT NULL,
	`block_type_id` text NOT NULL,
	FOREIGN KEY (`block_type_id`) REFERENCES `block_type`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_block_schema__checksum_version` ON `block_schema` (`checksum`,`version`);--> statement-breakpoint
CREATE INDEX `ix_block_schema__updated` ON `block_schema` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_block_schema__block_type_id` ON `block_schema` (`block_type_id`);--> statement-breakpoint
CREATE TABLE `block_schema_reference` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`parent_block_schema_id` text NOT NULL,
	`reference_block_schema_id` text NOT NULL,
	FOREIGN KEY (`parent_block_schema_id`) REFERENCES `block_schema`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reference_block_schema_id`) REFERENCES `block_schema`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ix_block_schema_reference__updated` ON `block_schema_reference` (`updated`);--> statement-breakpoint
CREATE TABLE `block_type` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`logo_url` text,
	`documentation_url` text,
	`description` text,
	`code_example` text,
	`is_protected` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_block_type__slug` ON `block_type` (`slug`);--> statement-breakpoint
CREATE INDEX `ix_block_type__updated` ON `block_type` (`updated`);--> statement-breakpoint
CREATE TABLE `configuration` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_configuration__key` ON `configuration` (`key`);--> statement-breakpoint
CREATE INDEX `ix_configuration__updated` ON `configuration` (`updated`);--> statement-breakpoint
CREATE TABLE `deployment` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`flow_id` text NOT NULL,
	`version` text,
	`description` text,
	`work_queue_id` text,
	`work_queue_name` text,
	`path` text,
	`entrypoint` text,
	`parameters` text DEFAULT '{}' NOT NULL,
	`parameter_openapi_schema` text,
	`enforce_parameter_schema` integer DEFAULT true NOT NULL,
	`job_variables` text DEFAULT '{}' NOT NULL,
	`pull_steps` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`labels` text,
	`paused` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'NOT_READY' NOT NULL,
	`last_polled` integer,
	`concurrency_limit` integer,
	`concurrency_options` text,
	`created_by` text,
	`updated_by` text,
	FOREIGN KEY (`flow_id`) REFERENCES `flow`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`work_queue_id`) REFERENCES `work_queue`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "ck_deployment__status" CHECK(status IN ('READY', 'NOT_READY')),
	CONSTRAINT "ck_deployment__concurrency_limit" CHECK(concurrency_limit >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_deployment__flow_id_name` ON `deployment` (`flow_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_deployment__updated` ON `deployment` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_deployment__created` ON `deployment` (`created`);--> statement-breakpoint
CREATE INDEX `ix_deployment__work_queue_id` ON `deployment` (`work_queue_id`);--> statement-breakpoint
CREATE INDEX `ix_deployment__work_queue_name` ON `deployment` (`work_queue_name`);--> statement-breakpoint
CREATE INDEX `ix_deployment__paused` ON `deployment` (`paused`);--> statement-breakpoint
CREATE TABLE `deployment_schedule` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`deployment_id` text NOT NULL,
	`schedule` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`max_scheduled_runs` integer,
	`parameters` text DEFAULT '{}' NOT NULL,
	`slug` text,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployment`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_deployment_schedule__deployment_id_slug` ON `deployment_schedule` (`deployment_id`,`slug`);--> statement-breakpoint
CREATE INDEX `ix_deployment_schedule__updated` ON `deployment_schedule` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_deployment_schedule__deployment_id` ON `deployment_schedule` (`deployment_id`);--> statement-breakpoint
CREATE TABLE `concurrency_lease` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`limit_ids` text DEFAULT '[]' NOT NULL,
	`slots` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`holder_type` text,
	`holder_id` text,
	CONSTRAINT "ck_concurrency_lease__slots" CHECK(slots > 0)
);
--> statement-breakpoint
CREATE INDEX `ix_concurrency_lease__updated` ON `concurrency_lease` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_concurrency_lease__expires_at` ON `concurrency_lease` (`expires_at`);--> statement-breakpoint
CREATE INDEX `ix_concurrency_lease__holder_type_holder_id` ON `concurrency_lease` (`holder_type`,`holder_id`);--> statement-breakpoint
CREATE TABLE `concurrency_limit_v2` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`limit` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`active_slots` integer DEFAULT 0 NOT NULL,
	`denied_slots` integer DEFAULT 0 NOT NULL,
	`slot_decay_per_second` real DEFAULT 0 NOT NULL,
	`avg_slot_occupancy_seconds` real DEFAULT 2 NOT NULL,
	CONSTRAINT "ck_concurrency_limit_v2__active_slots" CHECK(active_slots >= 0),
	CONSTRAINT "ck_concurrency_limit_v2__limit" CHECK("limit" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_concurrency_limit_v2__name` ON `concurrency_limit_v2` (`name`);--> statement-breakpoint
CREATE INDEX `ix_concurrency_limit_v2__updated` ON `concurrency_limit_v2` (`updated`);--> statement-breakpoint
CREATE TABLE `log` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`level` integer NOT NULL,
	`flow_run_id` text,
	`task_run_id` text,
	`message` text NOT NULL,
	`timestamp` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ix_log__updated` ON `log` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_log__flow_run_id_timestamp` ON `log` (`flow_run_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `ix_log__task_run_id` ON `log` (`task_run_id`);--> statement-breakpoint
CREATE INDEX `ix_log__level` ON `log` (`level`);--> statement-breakpoint
CREATE INDEX `ix_log__timestamp` ON `log` (`timestamp`);--> statement-breakpoint
CREATE TABLE `flow` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`labels` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_flow__name` ON `flow` (`name`);--> statement-breakpoint
CREATE INDEX `ix_flow__created` ON `flow` (`created`);--> statement-breakpoint
CREATE INDEX `ix_flow__updated` ON `flow` (`updated`);--> statement-breakpoint
CREATE TABLE `flow_run` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`state_id` text,
	`state_type` text,
	`state_name` text,
	`state_timestamp` integer,
	`run_count` integer DEFAULT 0 NOT NULL,
	`expected_start_time` integer,
	`next_scheduled_start_time` integer,
	`start_time` integer,
	`end_time` integer,
	`total_run_time` real DEFAULT 0 NOT NULL,
	`empirical_policy` text DEFAULT '{}' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`labels` text,
	`flow_id` text NOT NULL,
	`deployment_id` text,
	`deployment_version` text,
	`work_queue_id` text,
	`work_queue_name` text,
	`flow_version` text,
	`parameters` text DEFAULT '{}' NOT NULL,
	`idempotency_key` text,
	`context` text DEFAULT '{}' NOT NULL,
	`created_by` text,
	`infrastructure_pid` text,
	`job_variables` text DEFAULT '{}' NOT NULL,
	`parent_task_run_id` text,
	`auto_scheduled` integer DEFAULT false NOT NULL,
	`start_time_or_expected` integer GENERATED ALWAYS AS (coalesce(start_time, expected_start_time)) VIRTUAL,
	FOREIGN KEY (`flow_id`) REFERENCES `flow`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`work_queue_id`) REFERENCES `work_queue`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`parent_task_run_id`) REFERENCES `task_run`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`state_id`) REFERENCES `flow_run_state`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "ck_flow_run__state_type" CHECK(state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_flow_run__flow_id_idempotency_key` ON `flow_run` (`flow_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__updated` ON `flow_run` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__flow_id` ON `flow_run` (`flow_id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__deployment_id` ON `flow_run` (`deployment_id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__work_queue_id` ON `flow_run` (`work_queue_id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__parent_task_run_id` ON `flow_run` (`parent_task_run_id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__state_id` ON `flow_run` (`state_id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__state_type` ON `flow_run` (`state_type`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__state_name` ON `flow_run` (`state_name`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__state_timestamp` ON `flow_run` (`state_timestamp`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__start_time` ON `flow_run` (`start_time`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__end_time` ON `flow_run` (`end_time`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__expected_start_time` ON `flow_run` (`expected_start_time`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__next_scheduled_start_time` ON `flow_run` (`next_scheduled_start_time`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__name` ON `flow_run` (`name`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__start_time_or_expected` ON `flow_run` (`start_time_or_expected`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__scheduled_work_queue_id_next_scheduled_start_time` ON `flow_run` (`work_queue_id`,`next_scheduled_start_time`) WHERE state_type = 'SCHEDULED';--> statement-breakpoint
CREATE INDEX `ix_flow_run__scheduled_deployment_id_auto_scheduled_ne_4f30d818` ON `flow_run` (`deployment_id`,`auto_scheduled`,`next_scheduled_start_time`) WHERE state_type = 'SCHEDULED';--> statement-breakpoint
CREATE TABLE `flow_run_state` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`flow_run_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`timestamp` integer NOT NULL,
	`message` text,
	`state_details` text DEFAULT '{}' NOT NULL,
	`data` text,
	FOREIGN KEY (`flow_run_id`) REFERENCES `flow_run`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "ck_flow_run_state__type" CHECK(type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_flow_run_state__flow_run_id_timestamp` ON `flow_run_state` (`flow_run_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `ix_flow_run_state__updated` ON `flow_run_state` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_flow_run_state__type` ON `flow_run_state` (`type`);--> statement-breakpoint
CREATE INDEX `ix_flow_run_state__name` ON `flow_run_state` (`name`);--> statement-breakpoint
CREATE TABLE `task_run` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`state_id` text,
	`state_type` text,
	`state_name` text,
	`state_timestamp` integer,
	`run_count` integer DEFAULT 0 NOT NULL,
	`expected_start_time` integer,
	`next_scheduled_start_time` integer,
	`start_time` integer,
	`end_time` integer,
	`total_run_time` real DEFAULT 0 NOT NULL,
	`empirical_policy` text DEFAULT '{}' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`labels` text,
	`flow_run_id` text,
	`task_key` text NOT NULL,
	`dynamic_key` text NOT NULL,
	`cache_key` text,
	`cache_expiration` integer,
	`task_version` text,
	`flow_run_run_count` integer DEFAULT 0 NOT NULL,
	`task_inputs` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`flow_run_id`) REFERENCES `flow_run`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "ck_task_run__state_type" CHECK(state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_task_run__flow_run_id_task_key_dynamic_key` ON `task_run` (`flow_run_id`,`task_key`,`dynamic_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `uq_task_run__task_key_dynamic_key` ON `task_run` (`task_key`,`dynamic_key`) WHERE flow_run_id IS NULL;--> statement-breakpoint
CREATE INDEX `ix_task_run__updated` ON `task_run` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_task_run__flow_run_id` ON `task_run` (`flow_run_id`);--> statement-breakpoint
CREATE INDEX `ix_task_run__state_id` ON `task_run` (`state_id`);--> statement-breakpoint
CREATE INDEX `ix_task_run__state_type` ON `task_run` (`state_type`);--> statement-breakpoint
CREATE INDEX `ix_task_run__state_type_start_time` ON `task_run` (`state_type`,`start_time`);--> statement-breakpoint
CREATE INDEX `ix_task_run__start_time` ON `task_run` (`start_time`);--> statement-breakpoint
CREATE INDEX `ix_task_run__end_time` ON `task_run` (`end_time`);--> statement-breakpoint
CREATE INDEX `ix_task_run__expected_start_time` ON `task_run` (`expected_start_time`);--> statement-breakpoint
CREATE INDEX `ix_task_run__next_scheduled_start_time` ON `task_run` (`next_scheduled_start_time`);--> statement-breakpoint
CREATE INDEX `ix_task_run__name` ON `task_run` (`name`);--> statement-breakpoint
CREATE TABLE `task_run_state` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`task_run_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`timestamp` integer NOT NULL,
	`message` text,
	`state_details` text DEFAULT '{}' NOT NULL,
	`data` text,
	FOREIGN KEY (`task_run_id`) REFERENCES `task_run`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "ck_task_run_state__type" CHECK(type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_task_run_state__task_run_id_timestamp` ON `task_run_state` (`task_run_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `ix_task_run_state__updated` ON `task_run_state` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_task_run_state__type` ON `task_run_state` (`type`);--> statement-breakpoint
CREATE INDEX `ix_task_run_state__name` ON `task_run_state` (`name`);--> statement-breakpoint
CREATE TABLE `work_pool` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`type` text NOT NULL,
	`base_job_template` text DEFAULT '{}' NOT NULL,
	`is_paused` integer DEFAULT false NOT NULL,
	`default_queue_id` text,
	`concurrency_limit` integer,
	`status` text DEFAULT 'NOT_READY' NOT NULL,
	`last_transitioned_status_at` integer,
	`storage_configuration` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`default_queue_id`) REFERENCES `work_queue`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "ck_work_pool__status" CHECK(status IN ('READY', 'NOT_READY', 'PAUSED')),
	CONSTRAINT "ck_work_pool__concurrency_limit" CHECK(concurrency_limit >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_work_pool__name` ON `work_pool` (`name`);--> statement-breakpoint
CREATE INDEX `ix_work_pool__updated` ON `work_pool` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_work_pool__type` ON `work_pool` (`type`);--> statement-breakpoint
CREATE TABLE `work_queue` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`work_pool_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`is_paused` integer DEFAULT false NOT NULL,
	`concurrency_limit` integer,
	`priority` integer DEFAULT 1 NOT NULL,
	`last_polled` integer,
	`status` text DEFAULT 'NOT_READY' NOT NULL,
	FOREIGN KEY (`work_pool_id`) REFERENCES `work_pool`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "ck_work_queue__status" CHECK(status IN ('READY', 'NOT_READY', 'PAUSED')),
	CONSTRAINT "ck_work_queue__priority" CHECK(priority >= 1),
	CONSTRAINT "ck_work_queue__concurrency_limit" CHECK(concurrency_limit >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_work_queue__work_pool_id_name` ON `work_queue` (`work_pool_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_work_queue__updated` ON `work_queue` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_work_queue__work_pool_id_priority` ON `work_queue` (`work_pool_id`,`priority`);--> statement-breakpoint
CREATE TABLE `worker` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`work_pool_id` text NOT NULL,
	`name` text NOT NULL,
	`last_heartbeat_time` integer NOT NULL,
	`heartbeat_interval_seconds` integer,
	`status` text DEFAULT 'OFFLINE' NOT NULL,
	FOREIGN KEY (`work_pool_id`) REFERENCES `work_pool`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "ck_worker__status" CHECK(status IN ('ONLINE', 'OFFLINE'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_worker__work_pool_id_name` ON `worker` (`work_pool_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_worker__updated` ON `worker` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_worker__work_pool_id_last_heartbeat_time` ON `worker` (`work_pool_id`,`last_heartbeat_time`);