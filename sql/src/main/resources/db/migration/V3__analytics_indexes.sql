-- Indexes for the analytics views, the rollup refresh and the retention purge (sql/README.md,
-- "Indexes"). V1 already has (user_id, submitted_at), which serves per-user questions.
--
-- One B-tree on submitted_at serves every time-range read: the views' raw part (rows at or after
-- the rollup watermark, i.e. today and yesterday), top_users' partial days, usage_per_minute,
-- the rollup refresh (a few days) and the purge (oldest first). Each extra index costs the job's
-- upsert an index insert per row, so the heavy questions are answered by rollups (V4) instead
-- of more indexes on the raw table.
--
-- Not BRIN: the retention purge deletes the oldest rows and VACUUM hands their space to new
-- inserts, so physical order stops following submitted_at and BRIN ranges widen until they prune
-- nothing (BRIN suits append-only or partitioned tables).
CREATE INDEX IF NOT EXISTS inference_results_submitted_at
    ON inference_results (submitted_at);
