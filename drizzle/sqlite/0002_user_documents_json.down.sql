-- Down migration for 0002_user_documents_json, generated from the snapshots; review before committing.

