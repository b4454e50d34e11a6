PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_block_document_reference` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`name` text NOT NULL,
	`parent_block_document_id` text NOT NULL,
	`reference_block_document_id` text NOT NULL,
	FOREIGN KEY (`parent_block_document_id`) REFERENCES `block_document`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reference_block_document_id`) REFERENCES `block_document`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "ck_block_document_reference__not_self" CHECK(parent_block_document_id <> reference_block_document_id)
);
--> statement-breakpoint
INSERT INTO `__new_block_document_reference`("id", "created", "updated", "name", "parent_block_document_id", "reference_block_document_id") SELECT "id", "created", "updated", "name", "parent_block_document_id", "reference_block_document_id" FROM `block_document_reference`;--> statement-breakpoint
DROP TABLE `block_document_reference`;--> statement-breakpoint
ALTER TABLE `__new_block_document_reference` RENAME TO `block_document_reference`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `ix_block_document_reference__updated` ON `block_document_reference` (`updated`);