-- pg_trgm serves the case-insensitive name search (trigram GIN indexes, revision 2).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "block_document" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"data" jsonb NOT NULL,
	"is_anonymous" boolean DEFAULT false NOT NULL,
	"block_type_name" text,
	"block_type_id" uuid NOT NULL,
	"block_schema_id" uuid NOT NULL,
	CONSTRAINT "pk_block_document" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "block_document_reference" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"parent_block_document_id" uuid NOT NULL,
	"reference_block_document_id" uuid NOT NULL,
	CONSTRAINT "pk_block_document_reference" PRIMARY KEY("id"),
	CONSTRAINT "ck_block_document_reference__not_self" CHECK (parent_block_document_id <> reference_block_document_id)
);
--> statement-breakpoint
CREATE TABLE "block_schema" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"checksum" text NOT NULL,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"version" text DEFAULT 'non-versioned' NOT NULL,
	"block_type_id" uuid NOT NULL,
	CONSTRAINT "pk_block_schema" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "block_schema_reference" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"parent_block_schema_id" uuid NOT NULL,
	"reference_block_schema_id" uuid NOT NULL,
	CONSTRAINT "pk_block_schema_reference" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "block_type" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"logo_url" text,
	"documentation_url" text,
	"description" text,
	"code_example" text,
	"is_protected" boolean DEFAULT false NOT NULL,
	CONSTRAINT "pk_block_type" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "configuration" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	CONSTRAINT "pk_configuration" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "deployment" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"flow_id" uuid NOT NULL,
	"version" text,
	"description" text,
	"work_queue_id" uuid,
	"work_queue_name" text,
	"path" text,
	"entrypoint" text,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parameter_openapi_schema" jsonb,
	"enforce_parameter_schema" boolean DEFAULT true NOT NULL,
	"job_variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"pull_steps" jsonb,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb,
	"paused" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'NOT_READY' NOT NULL,
	"last_polled" timestamp (3) with time zone,
	"concurrency_limit" integer,
	"concurrency_options" jsonb,
	"created_by" jsonb,
	"updated_by" jsonb,
	CONSTRAINT "pk_deployment" PRIMARY KEY("id"),
	CONSTRAINT "ck_deployment__status" CHECK (status IN ('READY', 'NOT_READY')),
	CONSTRAINT "ck_deployment__concurrency_limit" CHECK (concurrency_limit >= 0)
);
--> statement-breakpoint
CREATE TABLE "deployment_schedule" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"deployment_id" uuid NOT NULL,
	"schedule" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"max_scheduled_runs" integer,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"slug" text,
	CONSTRAINT "pk_deployment_schedule" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "concurrency_lease" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"limit_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"slots" integer NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"holder_type" text,
	"holder_id" text,
	CONSTRAINT "pk_concurrency_lease" PRIMARY KEY("id"),
	CONSTRAINT "ck_concurrency_lease__slots" CHECK (slots > 0)
);
--> statement-breakpoint
CREATE TABLE "concurrency_limit_v2" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"limit" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"active_slots" integer DEFAULT 0 NOT NULL,
	"denied_slots" integer DEFAULT 0 NOT NULL,
	"slot_decay_per_second" double precision DEFAULT 0 NOT NULL,
	"avg_slot_occupancy_seconds" double precision DEFAULT 2 NOT NULL,
	CONSTRAINT "pk_concurrency_limit_v2" PRIMARY KEY("id"),
	CONSTRAINT "ck_concurrency_limit_v2__active_slots" CHECK (active_slots >= 0),
	CONSTRAINT "ck_concurrency_limit_v2__limit" CHECK ("limit" >= 0)
);
--> statement-breakpoint
CREATE TABLE "log" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"level" smallint NOT NULL,
	"flow_run_id" uuid,
	"task_run_id" uuid,
	"message" text NOT NULL,
	"timestamp" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "pk_log" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "flow" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb,
	CONSTRAINT "pk_flow" PRIMARY KEY("id")
);
--> statement-breakpoint
CREATE TABLE "flow_run" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"state_id" uuid,
	"state_type" text,
	"state_name" text,
	"state_timestamp" timestamp (3) with time zone,
	"run_count" integer DEFAULT 0 NOT NULL,
	"expected_start_time" timestamp (3) with time zone,
	"next_scheduled_start_time" timestamp (3) with time zone,
	"start_time" timestamp (3) with time zone,
	"end_time" timestamp (3) with time zone,
	"total_run_time" double precision DEFAULT 0 NOT NULL,
	"empirical_policy" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb,
	"flow_id" uuid NOT NULL,
	"deployment_id" uuid,
	"deployment_version" text,
	"work_queue_id" uuid,
	"work_queue_name" text,
	"flow_version" text,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" jsonb,
	"infrastructure_pid" text,
	"job_variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parent_task_run_id" uuid,
	"auto_scheduled" boolean DEFAULT false NOT NULL,
	"start_time_or_expected" timestamp (3) with time zone GENERATED ALWAYS AS (coalesce(start_time, expected_start_time)) STORED,
	CONSTRAINT "pk_flow_run" PRIMARY KEY("id"),
	CONSTRAINT "ck_flow_run__state_type" CHECK (state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE TABLE "flow_run_state" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"timestamp" timestamp (3) with time zone NOT NULL,
	"message" text,
	"state_details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data" jsonb,
	CONSTRAINT "pk_flow_run_state" PRIMARY KEY("id"),
	CONSTRAINT "ck_flow_run_state__type" CHECK (type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE TABLE "task_run" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"state_id" uuid,
	"state_type" text,
	"state_name" text,
	"state_timestamp" timestamp (3) with time zone,
	"run_count" integer DEFAULT 0 NOT NULL,
	"expected_start_time" timestamp (3) with time zone,
	"next_scheduled_start_time" timestamp (3) with time zone,
	"start_time" timestamp (3) with time zone,
	"end_time" timestamp (3) with time zone,
	"total_run_time" double precision DEFAULT 0 NOT NULL,
	"empirical_policy" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb,
	"flow_run_id" uuid,
	"task_key" text NOT NULL,
	"dynamic_key" text NOT NULL,
	"cache_key" text,
	"cache_expiration" timestamp (3) with time zone,
	"task_version" text,
	"flow_run_run_count" integer DEFAULT 0 NOT NULL,
	"task_inputs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "pk_task_run" PRIMARY KEY("id"),
	CONSTRAINT "ck_task_run__state_type" CHECK (state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE TABLE "task_run_state" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"task_run_id" uuid NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"timestamp" timestamp (3) with time zone NOT NULL,
	"message" text,
	"state_details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data" jsonb,
	CONSTRAINT "pk_task_run_state" PRIMARY KEY("id"),
	CONSTRAINT "ck_task_run_state__type" CHECK (type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'))
);
--> statement-breakpoint
CREATE TABLE "work_pool" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"type" text NOT NULL,
	"base_job_template" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_paused" boolean DEFAULT false NOT NULL,
	"default_queue_id" uuid,
	"concurrency_limit" integer,
	"status" text DEFAULT 'NOT_READY' NOT NULL,
	"last_transitioned_status_at" timestamp (3) with time zone,
	"storage_configuration" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "pk_work_pool" PRIMARY KEY("id"),
	CONSTRAINT "ck_work_pool__status" CHECK (status IN ('READY', 'NOT_READY', 'PAUSED')),
	CONSTRAINT "ck_work_pool__concurrency_limit" CHECK (concurrency_limit >= 0)
);
--> statement-breakpoint
CREATE TABLE "work_queue" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"work_pool_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"is_paused" boolean DEFAULT false NOT NULL,
	"concurrency_limit" integer,
	"priority" integer DEFAULT 1 NOT NULL,
	"last_polled" timestamp (3) with time zone,
	"status" text DEFAULT 'NOT_READY' NOT NULL,
	CONSTRAINT "pk_work_queue" PRIMARY KEY("id"),
	CONSTRAINT "ck_work_queue__status" CHECK (status IN ('READY', 'NOT_READY', 'PAUSED')),
	CONSTRAINT "ck_work_queue__priority" CHECK (priority >= 1),
	CONSTRAINT "ck_work_queue__concurrency_limit" CHECK (concurrency_limit >= 0)
);
--> statement-breakpoint
CREATE TABLE "worker" (
	"id" uuid NOT NULL,
	"created" timestamp (3) with time zone NOT NULL,
	"updated" timestamp (3) with time zone NOT NULL,
	"work_pool_id" uuid NOT NULL,
	"name" text NOT NULL,
	"last_heartbeat_time" timestamp (3) with time zone NOT NULL,
	"heartbeat_interval_seconds" integer,
	"status" text DEFAULT 'OFFLINE' NOT NULL,
	CONSTRAINT "pk_worker" PRIMARY KEY("id"),
	CONSTRAINT "ck_worker__status" CHECK (status IN ('ONLINE', 'OFFLINE'))
);
--> statement-breakpoint
ALTER TABLE "block_document" ADD CONSTRAINT "fk_block_document__block_type_id__block_type" FOREIGN KEY ("block_type_id") REFERENCES "public"."block_type"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_document" ADD CONSTRAINT "fk_block_document__block_schema_id__block_schema" FOREIGN KEY ("block_schema_id") REFERENCES "public"."block_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_document_reference" ADD CONSTRAINT "fk_block_document_reference__parent_block_document_id__30e6fbbc" FOREIGN KEY ("parent_block_document_id") REFERENCES "public"."block_document"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_document_reference" ADD CONSTRAINT "fk_block_document_reference__reference_block_document__0ecb3ad3" FOREIGN KEY ("reference_block_document_id") REFERENCES "public"."block_document"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_schema" ADD CONSTRAINT "fk_block_schema__block_type_id__block_type" FOREIGN KEY ("block_type_id") REFERENCES "public"."block_type"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_schema_reference" ADD CONSTRAINT "fk_block_schema_reference__parent_block_schema_id__block_schema" FOREIGN KEY ("parent_block_schema_id") REFERENCES "public"."block_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_schema_reference" ADD CONSTRAINT "fk_block_schema_reference__reference_block_schema_id___d69d7e07" FOREIGN KEY ("reference_block_schema_id") REFERENCES "public"."block_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment" ADD CONSTRAINT "fk_deployment__flow_id__flow" FOREIGN KEY ("flow_id") REFERENCES "public"."flow"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment" ADD CONSTRAINT "fk_deployment__work_queue_id__work_queue" FOREIGN KEY ("work_queue_id") REFERENCES "public"."work_queue"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_schedule" ADD CONSTRAINT "fk_deployment_schedule__deployment_id__deployment" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployment"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "fk_flow_run__flow_id__flow" FOREIGN KEY ("flow_id") REFERENCES "public"."flow"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "fk_flow_run__work_queue_id__work_queue" FOREIGN KEY ("work_queue_id") REFERENCES "public"."work_queue"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "fk_flow_run__parent_task_run_id__task_run" FOREIGN KEY ("parent_task_run_id") REFERENCES "public"."task_run"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "fk_flow_run__state_id__flow_run_state" FOREIGN KEY ("state_id") REFERENCES "public"."flow_run_state"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run_state" ADD CONSTRAINT "fk_flow_run_state__flow_run_id__flow_run" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_run" ADD CONSTRAINT "fk_task_run__flow_run_id__flow_run" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_run_state" ADD CONSTRAINT "fk_task_run_state__task_run_id__task_run" FOREIGN KEY ("task_run_id") REFERENCES "public"."task_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_pool" ADD CONSTRAINT "fk_work_pool__default_queue_id__work_queue" FOREIGN KEY ("default_queue_id") REFERENCES "public"."work_queue"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_queue" ADD CONSTRAINT "fk_work_queue__work_pool_id__work_pool" FOREIGN KEY ("work_pool_id") REFERENCES "public"."work_pool"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker" ADD CONSTRAINT "fk_worker__work_pool_id__work_pool" FOREIGN KEY ("work_pool_id") REFERENCES "public"."work_pool"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_block_document__block_type_id_name" ON "block_document" USING btree ("block_type_id","name");--> statement-breakpoint
CREATE INDEX "ix_block_document__updated" ON "block_document" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_block_document__block_type_name_name" ON "block_document" USING btree ("block_type_name","name");--> statement-breakpoint
CREATE INDEX "ix_block_document__is_anonymous" ON "block_document" USING btree ("is_anonymous");--> statement-breakpoint
CREATE INDEX "ix_block_document_reference__updated" ON "block_document_reference" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_block_schema__checksum_version" ON "block_schema" USING btree ("checksum","version");--> statement-breakpoint
CREATE INDEX "ix_block_schema__updated" ON "block_schema" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_block_schema__block_type_id" ON "block_schema" USING btree ("block_type_id");--> statement-breakpoint
CREATE INDEX "ix_block_schema_reference__updated" ON "block_schema_reference" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_block_type__slug" ON "block_type" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "ix_block_type__updated" ON "block_type" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_configuration__key" ON "configuration" USING btree ("key");--> statement-breakpoint
CREATE INDEX "ix_configuration__updated" ON "configuration" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_deployment__flow_id_name" ON "deployment" USING btree ("flow_id","name");--> statement-breakpoint
CREATE INDEX "ix_deployment__updated" ON "deployment" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_deployment__created" ON "deployment" USING btree ("created");--> statement-breakpoint
CREATE INDEX "ix_deployment__work_queue_id" ON "deployment" USING btree ("work_queue_id");--> statement-breakpoint
CREATE INDEX "ix_deployment__work_queue_name" ON "deployment" USING btree ("work_queue_name");--> statement-breakpoint
CREATE INDEX "ix_deployment__paused" ON "deployment" USING btree ("paused");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_deployment_schedule__deployment_id_slug" ON "deployment_schedule" USING btree ("deployment_id","slug");--> statement-breakpoint
CREATE INDEX "ix_deployment_schedule__updated" ON "deployment_schedule" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_deployment_schedule__deployment_id" ON "deployment_schedule" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "ix_concurrency_lease__updated" ON "concurrency_lease" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_concurrency_lease__expires_at" ON "concurrency_lease" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "ix_concurrency_lease__holder_type_holder_id" ON "concurrency_lease" USING btree ("holder_type","holder_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_concurrency_limit_v2__name" ON "concurrency_limit_v2" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_concurrency_limit_v2__updated" ON "concurrency_limit_v2" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_log__updated" ON "log" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_log__flow_run_id_timestamp" ON "log" USING btree ("flow_run_id","timestamp");--> statement-breakpoint
CREATE INDEX "ix_log__task_run_id" ON "log" USING btree ("task_run_id");--> statement-breakpoint
CREATE INDEX "ix_log__level" ON "log" USING btree ("level");--> statement-breakpoint
CREATE INDEX "ix_log__timestamp" ON "log" USING btree ("timestamp");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow__name" ON "flow" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_flow__created" ON "flow" USING btree ("created");--> statement-breakpoint
CREATE INDEX "ix_flow__updated" ON "flow" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow_run__flow_id_idempotency_key" ON "flow_run" USING btree ("flow_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "ix_flow_run__updated" ON "flow_run" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_flow_run__flow_id" ON "flow_run" USING btree ("flow_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__deployment_id" ON "flow_run" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__work_queue_id" ON "flow_run" USING btree ("work_queue_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__parent_task_run_id" ON "flow_run" USING btree ("parent_task_run_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_id" ON "flow_run" USING btree ("state_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_type" ON "flow_run" USING btree ("state_type");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_name" ON "flow_run" USING btree ("state_name");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_timestamp" ON "flow_run" USING btree ("state_timestamp");--> statement-breakpoint
CREATE INDEX "ix_flow_run__start_time" ON "flow_run" USING btree ("start_time");--> statement-breakpoint
CREATE INDEX "ix_flow_run__end_time" ON "flow_run" USING btree ("end_time");--> statement-breakpoint
CREATE INDEX "ix_flow_run__expected_start_time" ON "flow_run" USING btree ("expected_start_time");--> statement-breakpoint
CREATE INDEX "ix_flow_run__next_scheduled_start_time" ON "flow_run" USING btree ("next_scheduled_start_time");--> statement-breakpoint
CREATE INDEX "ix_flow_run__name" ON "flow_run" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_flow_run__start_time_or_expected" ON "flow_run" USING btree ("start_time_or_expected");--> statement-breakpoint
CREATE INDEX "ix_flow_run__scheduled_work_queue_id_next_scheduled_start_time" ON "flow_run" USING btree ("work_queue_id","next_scheduled_start_time") WHERE state_type = 'SCHEDULED';--> statement-breakpoint
CREATE INDEX "ix_flow_run__scheduled_deployment_id_auto_scheduled_ne_4f30d818" ON "flow_run" USING btree ("deployment_id","auto_scheduled","next_scheduled_start_time") WHERE state_type = 'SCHEDULED';--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow_run_state__flow_run_id_timestamp" ON "flow_run_state" USING btree ("flow_run_id","timestamp");--> statement-breakpoint
CREATE INDEX "ix_flow_run_state__updated" ON "flow_run_state" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_flow_run_state__type" ON "flow_run_state" USING btree ("type");--> statement-breakpoint
CREATE INDEX "ix_flow_run_state__name" ON "flow_run_state" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_task_run__flow_run_id_task_key_dynamic_key" ON "task_run" USING btree ("flow_run_id","task_key","dynamic_key");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_task_run__task_key_dynamic_key" ON "task_run" USING btree ("task_key","dynamic_key") WHERE flow_run_id IS NULL;--> statement-breakpoint
CREATE INDEX "ix_task_run__updated" ON "task_run" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_task_run__flow_run_id" ON "task_run" USING btree ("flow_run_id");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_id" ON "task_run" USING btree ("state_id");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_type" ON "task_run" USING btree ("state_type");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_type_start_time" ON "task_run" USING btree ("state_type","start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__start_time" ON "task_run" USING btree ("start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__end_time" ON "task_run" USING btree ("end_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__expected_start_time" ON "task_run" USING btree ("expected_start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__next_scheduled_start_time" ON "task_run" USING btree ("next_scheduled_start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__name" ON "task_run" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_task_run_state__task_run_id_timestamp" ON "task_run_state" USING btree ("task_run_id","timestamp");--> statement-breakpoint
CREATE INDEX "ix_task_run_state__updated" ON "task_run_state" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_task_run_state__type" ON "task_run_state" USING btree ("type");--> statement-breakpoint
CREATE INDEX "ix_task_run_state__name" ON "task_run_state" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_work_pool__name" ON "work_pool" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_work_pool__updated" ON "work_pool" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_work_pool__type" ON "work_pool" USING btree ("type");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_work_queue__work_pool_id_name" ON "work_queue" USING btree ("work_pool_id","name");--> statement-breakpoint
CREATE INDEX "ix_work_queue__updated" ON "work_queue" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_work_queue__work_pool_id_priority" ON "work_queue" USING btree ("work_pool_id","priority");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_worker__work_pool_id_name" ON "worker" USING btree ("work_pool_id","name");--> statement-breakpoint
CREATE INDEX "ix_worker__updated" ON "worker" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_worker__work_pool_id_last_heartbeat_time" ON "worker" USING btree ("work_pool_id","last_heartbeat_time");