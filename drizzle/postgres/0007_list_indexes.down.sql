-- Down migration for 0007_list_indexes, generated from the snapshots; review before committing.
DROP INDEX "ix_log__flow_run_id_timestamp_id";
--> statement-breakpoint
DROP INDEX "ix_flow_run__start_time_or_expected_id";
--> statement-breakpoint
DROP INDEX "ix_flow_run__state_type_start_time_or_expected_id";
--> statement-breakpoint
DROP INDEX "ix_flow_run__deployment_id_start_time_or_expected_id";
--> statement-breakpoint
CREATE INDEX "ix_log__flow_run_id_timestamp" ON "log" USING btree ("flow_run_id","timestamp");
--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "name" SET STATISTICS -1;
