-- Down migration for 0000_initial, generated from the snapshots; review before committing.
DROP TABLE "block_document" CASCADE;
--> statement-breakpoint
DROP TABLE "block_document_reference" CASCADE;
--> statement-breakpoint
DROP TABLE "block_schema" CASCADE;
--> statement-breakpoint
DROP TABLE "block_schema_reference" CASCADE;
--> statement-breakpoint
DROP TABLE "block_type" CASCADE;
--> statement-breakpoint
DROP TABLE "configuration" CASCADE;
--> statement-breakpoint
DROP TABLE "deployment" CASCADE;
--> statement-breakpoint
DROP TABLE "deployment_schedule" CASCADE;
--> statement-breakpoint
DROP TABLE "concurrency_lease" CASCADE;
--> statement-breakpoint
DROP TABLE "concurrency_limit_v2" CASCADE;
--> statement-breakpoint
DROP TABLE "log" CASCADE;
--> statement-breakpoint
DROP TABLE "flow" CASCADE;
--> statement-breakpoint
DROP TABLE "flow_run" CASCADE;
--> statement-breakpoint
DROP TABLE "flow_run_state" CASCADE;
--> statement-breakpoint
DROP TABLE "task_run" CASCADE;
--> statement-breakpoint
DROP TABLE "task_run_state" CASCADE;
--> statement-breakpoint
DROP TABLE "work_pool" CASCADE;
--> statement-breakpoint
DROP TABLE "work_queue" CASCADE;
--> statement-breakpoint
DROP TABLE "worker" CASCADE;
