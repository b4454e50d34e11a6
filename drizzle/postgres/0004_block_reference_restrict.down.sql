-- Down migration for 0004_block_reference_restrict, generated from the snapshots; review before committing.
ALTER TABLE "block_document_reference" DROP CONSTRAINT "fk_block_document_reference__reference_block_document__0ecb3ad3";
--> statement-breakpoint
ALTER TABLE "block_document_reference" ADD CONSTRAINT "fk_block_document_reference__reference_block_document__0ecb3ad3" FOREIGN KEY ("reference_block_document_id") REFERENCES "public"."block_document"("id") ON DELETE cascade ON UPDATE no action;
