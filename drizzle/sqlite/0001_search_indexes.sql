CREATE INDEX `ix_block_document__name_nocase` ON `block_document` (name COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `ix_block_type__name_nocase` ON `block_type` (name COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `ix_deployment__name_nocase` ON `deployment` (name COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `ix_flow__name_nocase` ON `flow` (name COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `ix_flow_run__name_nocase` ON `flow_run` (name COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `ix_task_run__name_nocase` ON `task_run` (name COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `ix_work_queue__name_nocase` ON `work_queue` (name COLLATE NOCASE);