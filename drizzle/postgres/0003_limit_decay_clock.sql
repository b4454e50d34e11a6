ALTER TABLE "concurrency_lease" ALTER COLUMN "expires_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "concurrency_limit_v2" ADD COLUMN "slot_decay_at" timestamp (3) with time zone;