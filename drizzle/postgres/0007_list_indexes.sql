DROP INDEX "ix_log__flow_run_id_timestamp";--> statement-breakpoint
CREATE INDEX "ix_log__flow_run_id_timestamp_id" ON "log" USING btree ("flow_run_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__start_time_or_expected_id" ON "flow_run" USING btree ("start_time_or_expected" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_type_start_time_or_expected_id" ON "flow_run" USING btree ("state_type","start_time_or_expected" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "ix_flow_run__deployment_id_start_time_or_expected_id" ON "flow_run" USING btree ("deployment_id","start_time_or_expected" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
-- Hand-written (drizzle-kit has no statistics target): 1,000 most-common values and histogram
-- bounds for flow_run.name instead of 100, so an ILIKE substring that matches 0.1% of the runs is
-- estimated at 0.1%, not at 1% (one histogram bucket) or 0.01%; with 1% the planner walked the
-- primary key for ID_DESC and filtered the whole table instead of using ix_flow_run__name_trgm.
-- Takes effect at the next ANALYZE (autovacuum's or a manual one).
ALTER TABLE "flow_run" ALTER COLUMN "name" SET STATISTICS 1000;
