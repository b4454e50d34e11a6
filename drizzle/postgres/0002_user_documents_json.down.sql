-- Down migration for 0002_user_documents_json, generated from the snapshots; reviewed.
-- jsonb -> json -> jsonb: the cast back re-sorts keys (jsonb's order), as before the up migration.
ALTER TABLE "block_schema" ALTER COLUMN "fields" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "block_schema" ALTER COLUMN "fields" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "parameters" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "parameters" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "parameter_openapi_schema" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "job_variables" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "job_variables" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "pull_steps" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "labels" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "deployment_schedule" ALTER COLUMN "parameters" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "deployment_schedule" ALTER COLUMN "parameters" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "flow" ALTER COLUMN "labels" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "labels" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "parameters" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "parameters" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "context" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "context" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "job_variables" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "job_variables" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "flow_run_state" ALTER COLUMN "data" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "task_run" ALTER COLUMN "labels" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "task_run" ALTER COLUMN "task_inputs" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "task_run" ALTER COLUMN "task_inputs" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "task_run_state" ALTER COLUMN "data" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "base_job_template" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "base_job_template" SET DEFAULT '{}'::jsonb;
--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "storage_configuration" SET DATA TYPE jsonb;
--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "storage_configuration" SET DEFAULT '{}'::jsonb;
