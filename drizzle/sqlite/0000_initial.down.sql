-- Down migration for 0000_initial, generated from the snapshots; review before committing.
DROP TABLE `block_document`;
--> statement-breakpoint
DROP TABLE `block_document_reference`;
--> statement-breakpoint
DROP TABLE `block_schema`;
--> statement-breakpoint
DROP TABLE `block_schema_reference`;
--> statement-breakpoint
DROP TABLE `block_type`;
--> statement-breakpoint
DROP TABLE `configuration`;
--> statement-breakpoint
DROP TABLE `deployment`;
--> statement-breakpoint
DROP TABLE `deployment_schedule`;
--> statement-breakpoint
DROP TABLE `concurrency_lease`;
--> statement-breakpoint
DROP TABLE `concurrency_limit_v2`;
--> statement-breakpoint
DROP TABLE `log`;
--> statement-breakpoint
DROP TABLE `flow`;
--> statement-breakpoint
DROP TABLE `flow_run`;
--> statement-breakpoint
DROP TABLE `flow_run_state`;
--> statement-breakpoint
DROP TABLE `task_run`;
--> statement-breakpoint
DROP TABLE `task_run_state`;
--> statement-breakpoint
DROP TABLE `work_pool`;
--> statement-breakpoint
DROP TABLE `work_queue`;
--> statement-breakpoint
DROP TABLE `worker`;
