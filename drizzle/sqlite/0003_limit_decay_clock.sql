PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_concurrency_lease` (
	`id` text PRIMARY KEY NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`limit_ids` text DEFAULT '[]' NOT NULL,
	`slots` integer NOT NULL,
	`expires_at` integer,
	`holder_type` text,
	`holder_id` text,
	CONSTRAINT "ck_concurrency_lease__slots" CHECK(slots > 0)
);
--> statement-breakpoint
INSERT INTO `__new_concurrency_lease`("id", "created", "updated", "limit_ids", "slots", "expires_at", "holder_type", "holder_id") SELECT "id", "created", "updated", "limit_ids", "slots", "expires_at", "holder_type", "holder_id" FROM `concurrency_lease`;--> statement-breakpoint
DROP TABLE `concurrency_lease`;--> statement-breakpoint
ALTER TABLE `__new_concurrency_lease` RENAME TO `concurrency_lease`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `ix_concurrency_lease__updated` ON `concurrency_lease` (`updated`);--> statement-breakpoint
CREATE INDEX `ix_concurrency_lease__expires_at` ON `concurrency_lease` (`expires_at`);--> statement-breakpoint
CREATE INDEX `ix_concurrency_lease__holder_type_holder_id` ON `concurrency_lease` (`holder_type`,`holder_id`);--> statement-breakpoint
ALTER TABLE `concurrency_limit_v2` ADD `slot_decay_at` integer;