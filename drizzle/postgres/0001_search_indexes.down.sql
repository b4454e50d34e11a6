-- Down migration for 0001_search_indexes, generated from the snapshots; review before committing.
DROP INDEX "ix_block_document__name_trgm";
--> statement-breakpoint
DROP INDEX "ix_block_type__name_trgm";
--> statement-breakpoint
DROP INDEX "ix_deployment__name_trgm";
--> statement-breakpoint
DROP INDEX "ix_deployment__tags";
--> statement-breakpoint
DROP INDEX "ix_flow__name_trgm";
--> statement-breakpoint
DROP INDEX "ix_flow__tags";
--> statement-breakpoint
DROP INDEX "ix_flow_run__name_trgm";
--> statement-breakpoint
DROP INDEX "ix_flow_run__tags";
--> statement-breakpoint
DROP INDEX "ix_task_run__name_trgm";
--> statement-breakpoint
DROP INDEX "ix_task_run__tags";
--> statement-breakpoint
DROP INDEX "ix_work_queue__name_trgm";
