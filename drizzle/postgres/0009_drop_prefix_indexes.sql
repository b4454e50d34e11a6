DROP INDEX "ix_flow_run__deployment_id";--> statement-breakpoint
DROP INDEX "ix_flow_run__state_type";--> statement-breakpoint
DROP INDEX "ix_task_run__state_type";