CREATE SEQUENCE "public"."cache_version_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "cache_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"namespace" text DEFAULT 'default' NOT NULL,
	"partition" text NOT NULL,
	"exact_key" text NOT NULL,
	"model" text NOT NULL,
	"embedder_model_id" text,
	"dimensions" integer,
	"embedding" "bytea",
	"prompt_text" text NOT NULL,
	"answer" jsonb NOT NULL,
	"hit_count" integer DEFAULT 0 NOT NULL,
	"last_hit_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"version" bigint DEFAULT nextval('cache_version_seq') NOT NULL,
	CONSTRAINT "cache_entries_exact_key_key" UNIQUE("exact_key")
);
--> statement-breakpoint
CREATE TABLE "cache_feedback" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cache_feedback_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"entry_id" text NOT NULL,
	"tenant" text NOT NULL,
	"correct" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cache_removals" (
	"version" bigint PRIMARY KEY DEFAULT nextval('cache_version_seq') NOT NULL,
	"entry_id" text NOT NULL,
	"tenant" text NOT NULL,
	"reason" text NOT NULL,
	"removed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "cache_entries_tenant_namespace_idx" ON "cache_entries" USING btree ("tenant","namespace");--> statement-breakpoint
CREATE INDEX "cache_entries_version_idx" ON "cache_entries" USING btree ("version");--> statement-breakpoint
CREATE INDEX "cache_entries_expires_at_idx" ON "cache_entries" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "cache_removals_removed_at_idx" ON "cache_removals" USING btree ("removed_at");