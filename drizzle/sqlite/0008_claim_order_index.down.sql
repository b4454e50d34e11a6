-- Down migration for 0008_claim_order_index, generated from the snapshots; review before committing.
DROP INDEX `ix_flow_run__scheduled_work_queue_id_next_scheduled_st_110be5e8`;
--> statement-breakpoint
CREATE INDEX `ix_flow_run__scheduled_work_queue_id_next_scheduled_start_time` ON `flow_run` (`work_queue_id`,`next_scheduled_start_time`) WHERE state_type = 'SCHEDULED';
