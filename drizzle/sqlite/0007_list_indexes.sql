DROP INDEX `ix_log__flow_run_id_timestamp`;--> statement-breakpoint
CREATE INDEX `ix_log__flow_run_id_timestamp_id` ON `log` (`flow_run_id`,`timestamp`,`id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__start_time_or_expected_id` ON `flow_run` (`start_time_or_expected`,`id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__state_type_start_time_or_expected_id` ON `flow_run` (`state_type`,`start_time_or_expected`,`id`);--> statement-breakpoint
CREATE INDEX `ix_flow_run__deployment_id_start_time_or_expected_id` ON `flow_run` (`deployment_id`,`start_time_or_expected`,`id`);