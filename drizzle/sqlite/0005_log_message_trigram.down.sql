-- Down migration for 0005_log_message_trigram, generated from the snapshots; review before committing.

