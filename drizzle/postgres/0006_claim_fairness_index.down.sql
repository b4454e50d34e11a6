-- Down migration for 0006_claim_fairness_index, generated from the snapshots; review before committing.
DROP INDEX "ix_flow_run__scheduled_work_queue_id_deployment_id_nex_935e3c5c";
