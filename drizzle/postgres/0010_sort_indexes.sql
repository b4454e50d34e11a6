DROP INDEX "ix_flow_run__end_time";--> statement-breakpoint
DROP INDEX "ix_flow_run__next_scheduled_start_time";--> statement-breakpoint
DROP INDEX "ix_task_run__end_time";--> statement-breakpoint
DROP INDEX "ix_task_run__next_scheduled_start_time";--> statement-breakpoint
CREATE INDEX "ix_flow_run__expected_start_time_id" ON "flow_run" USING btree ("expected_start_time" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "ix_flow_run__end_time_id" ON "flow_run" USING btree ("end_time" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "ix_flow_run__next_scheduled_start_time_id" ON "flow_run" USING btree ("next_scheduled_start_time","id");--> statement-breakpoint
CREATE INDEX "ix_task_run__expected_start_time_id" ON "task_run" USING btree ("expected_start_time" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "ix_task_run__end_time_id" ON "task_run" USING btree ("end_time" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "ix_task_run__next_scheduled_start_time_id" ON "task_run" USING btree ("next_scheduled_start_time","id");--> statement-breakpoint
CREATE INDEX "ix_task_run__start_time_or_expected" ON "task_run" USING btree (coalesce(start_time, expected_start_time));--> statement-breakpoint
CREATE INDEX "ix_task_run__start_time_or_expected_id" ON "task_run" USING btree (coalesce(start_time, expected_start_time) desc nulls last,"id" DESC NULLS FIRST);