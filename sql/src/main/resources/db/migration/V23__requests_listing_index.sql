-- GET /v1/requests lists one user's rows newest first with keyset pagination on
-- (submitted_at, request_id). This index serves that scan (read backwards) including the tie
-- break, so a page reads exactly its rows however deep it is. It also serves everything V1's
-- (user_id, submitted_at) did (same leading columns), which is dropped: the job's upsert keeps
-- paying for one per-user index, not two.
CREATE INDEX IF NOT EXISTS inference_results_user_submitted_id
    ON inference_results (user_id, submitted_at, request_id);
DROP INDEX IF EXISTS inference_results_user_submitted;
