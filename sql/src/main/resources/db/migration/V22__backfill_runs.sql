-- Backfills (bin/embed --postgres; sql/README.md, "Backfills"). A backfill's documents are ordinary
-- inference_results rows, written by the job's own upsert, with
--   request_id = 'backfill:' || run_id || ':' || <document id>   (run ids never contain ':')
--   user_id    = the admin identity the run ran as (bin/embed --as-user, checked against api_keys)
-- so usage_daily, cost_daily, rejections_daily, top_users and the rollups count a backfill as
-- that admin's usage with no view of their own, and re-running or resuming a run overwrites its
-- rows (upsert by request_id) instead of adding rows.

-- One row per run: who ran it, with which model, over which files.
CREATE TABLE backfill_runs (
    run_id      TEXT        PRIMARY KEY CHECK (run_id ~ '^[A-Za-z0-9._-]{1,100}$'),
    user_id     TEXT        NOT NULL,
    model       TEXT        NOT NULL,
    input_file  TEXT        NOT NULL,
    output_file TEXT        NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- the last resume (a run started again with the same run id); NULL if never resumed
    resumed_at  TIMESTAMPTZ,
    -- how many times the run was started, the first included
    attempts    INTEGER     NOT NULL DEFAULT 1,
    -- set when a start answered every input line; NULL while unfinished
    finished_at TIMESTAMPTZ
);

-- A run's rows by run and document id. Partial and small: only backfill rows are indexed, so the
-- job's upserts of API requests pay nothing for it.
CREATE INDEX inference_results_backfill_run
    ON inference_results (split_part(request_id, ':', 2))
    WHERE request_id LIKE 'backfill:%';

-- Each backfilled document with its outcome: status completed (embedding set), rejected
-- (error_code input_too_long, missing_field, ...) or failed. Lines of the input without a usable
-- id (not JSON, no id, a repeated id) have no row; they are answered in the output file only.
CREATE VIEW backfill_results AS
SELECT b.run_id,
       substr(r.request_id, length('backfill:') + length(b.run_id) + 2) AS document_id,
       r.request_id,
       r.user_id,
       r.model,
       r.status,
       r.input_tokens,
       r.charged_tokens,
       r.error_code,
       r.embeddings -> 0 AS embedding,
       r.submitted_at,
       r.completed_at
FROM backfill_runs b
JOIN inference_results r
  ON r.request_id LIKE 'backfill:%'
 AND split_part(r.request_id, ':', 2) = b.run_id;
