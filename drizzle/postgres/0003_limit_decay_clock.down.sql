-- Down migration for 0003_limit_decay_clock, generated from the snapshots; review before committing.
-- Reviewed by hand: leases without TTL (tag leases) get the farthest accepted time, so they keep their
-- slots under the older schema instead of failing the NOT NULL.
UPDATE "concurrency_lease" SET "expires_at" = '9999-12-31T23:59:59.999Z' WHERE "expires_at" IS NULL;
--> statement-breakpoint
ALTER TABLE "concurrency_lease" ALTER COLUMN "expires_at" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "concurrency_limit_v2" DROP COLUMN "slot_decay_at";
