ALTER TABLE "block_document_reference" DROP CONSTRAINT "fk_block_document_reference__reference_block_document__0ecb3ad3";
--> statement-breakpoint
ALTER TABLE "block_document_reference" ADD CONSTRAINT "fk_block_document_reference__reference_block_document__0ecb3ad3" FOREIGN KEY ("reference_block_document_id") REFERENCES "public"."block_document"("id") ON DELETE restrict ON UPDATE no action;