-- Down migration for 0010_sort_indexes, generated from the snapshots; review before committing.
DROP INDEX `ix_flow_run__expected_start_time_id`;
--> statement-breakpoint
DROP INDEX `ix_flow_run__end_time_id`;
--> statement-breakpoint
DROP INDEX `ix_flow_run__next_scheduled_start_time_id`;
--> statement-breakpoint
CREATE INDEX `ix_flow_run__end_time` ON `flow_run` (`end_time`);
--> statement-breakpoint
CREATE INDEX `ix_flow_run__next_scheduled_start_time` ON `flow_run` (`next_scheduled_start_time`);
--> statement-breakpoint
DROP INDEX `ix_task_run__expected_start_time_id`;
--> statement-breakpoint
DROP INDEX `ix_task_run__end_time_id`;
--> statement-breakpoint
DROP INDEX `ix_task_run__next_scheduled_start_time_id`;
--> statement-breakpoint
DROP INDEX `ix_task_run__start_time_or_expected`;
--> statement-breakpoint
DROP INDEX `ix_task_run__start_time_or_expected_id`;
--> statement-breakpoint
CREATE INDEX `ix_task_run__end_time` ON `task_run` (`end_time`);
--> statement-breakpoint
CREATE INDEX `ix_task_run__next_scheduled_start_time` ON `task_run` (`next_scheduled_start_time`);
