CREATE INDEX "ix_block_document__name_trgm" ON "block_document" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "ix_block_type__name_trgm" ON "block_type" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "ix_deployment__name_trgm" ON "deployment" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "ix_deployment__tags" ON "deployment" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "ix_flow__name_trgm" ON "flow" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "ix_flow__tags" ON "flow" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "ix_flow_run__name_trgm" ON "flow_run" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "ix_flow_run__tags" ON "flow_run" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "ix_task_run__name_trgm" ON "task_run" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "ix_task_run__tags" ON "task_run" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "ix_work_queue__name_trgm" ON "work_queue" USING gin ("name" gin_trgm_ops);