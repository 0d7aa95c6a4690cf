-- The request's priority on its row, so GET /v1/admin/stats (and SQL over usage) can count by
-- it. Rows written before this migration never recorded one and stay NULL; adding a nullable
-- column without a default rewrites nothing, so this is instant on a large table.
ALTER TABLE inference_results ADD COLUMN IF NOT EXISTS priority TEXT
    CHECK (priority IN ('low', 'normal', 'high', 'critical'));
