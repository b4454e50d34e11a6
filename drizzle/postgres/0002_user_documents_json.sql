ALTER TABLE "block_schema" ALTER COLUMN "fields" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "block_schema" ALTER COLUMN "fields" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "parameters" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "parameters" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "parameter_openapi_schema" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "job_variables" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "job_variables" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "pull_steps" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "deployment" ALTER COLUMN "labels" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "deployment_schedule" ALTER COLUMN "parameters" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "deployment_schedule" ALTER COLUMN "parameters" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "flow" ALTER COLUMN "labels" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "labels" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "parameters" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "parameters" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "context" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "context" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "job_variables" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "job_variables" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "flow_run_state" ALTER COLUMN "data" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "task_run" ALTER COLUMN "labels" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "task_run" ALTER COLUMN "task_inputs" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "task_run" ALTER COLUMN "task_inputs" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "task_run_state" ALTER COLUMN "data" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "base_job_template" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "base_job_template" SET DEFAULT '{}'::json;--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "storage_configuration" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "work_pool" ALTER COLUMN "storage_configuration" SET DEFAULT '{}'::json;