-- Down migration for 0009_drop_prefix_indexes, generated from the snapshots; review before committing.
CREATE INDEX `ix_flow_run__deployment_id` ON `flow_run` (`deployment_id`);
--> statement-breakpoint
CREATE INDEX `ix_flow_run__state_type` ON `flow_run` (`state_type`);
--> statement-breakpoint
CREATE INDEX `ix_task_run__state_type` ON `task_run` (`state_type`);
