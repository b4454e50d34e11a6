-- Hand-edited: drizzle-kit splits an SQLite index expression at its commas; the two coalesce
-- indexes are written as the schema declares them.
DROP INDEX `ix_flow_run__end_time`;--> statement-breakpoint
DROP INDEX `ix_flow_run__next_scheduled_start_time`;--> statement-breakpoint
CREATE INDEX `ix_flow_run__expected_start_time_id` ON `flow_run` (`expected_start_time`,`id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__end_time_id` ON `flow_run` (`end_time`,`id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__next_scheduled_start_time_id` ON `flow_run` (`next_scheduled_start_time`,`id`);--> statement-breakpoint
DROP INDEX `ix_task_run__end_time`;--> statement-breakpoint
DROP INDEX `ix_task_run__next_scheduled_start_time`;--> statement-breakpoint
CREATE INDEX `ix_task_run__expected_start_time_id` ON `task_run` (`expected_start_time`,`id`);--> statement-breakpoint
CREATE INDEX `ix_task_run__end_time_id` ON `task_run` (`end_time`,`id`);--> statement-breakpoint
CREATE INDEX `ix_task_run__next_scheduled_start_time_id` ON `task_run` (`next_scheduled_start_time`,`id`);--> statement-breakpoint
CREATE INDEX `ix_task_run__start_time_or_expected` ON `task_run` (coalesce(start_time, expected_start_time));--> statement-breakpoint
CREATE INDEX `ix_task_run__start_time_or_expected_id` ON `task_run` (coalesce(start_time, expected_start_time),`id`);