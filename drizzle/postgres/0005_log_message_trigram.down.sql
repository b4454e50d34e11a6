-- Down migration for 0005_log_message_trigram, generated from the snapshots; review before committing.
DROP INDEX "ix_log__message_trgm";
