-- Per-user quota overrides set through the ingest API's admin route (PUT /v1/admin/quotas/{user_id}).
-- One row per user holding the COMPLETE override state; the API writes the same state to the
-- compacted quota-updates topic. NULL limits mean "the plan's default".
CREATE TABLE api_quota_overrides (
    user_id           TEXT        PRIMARY KEY,
    plan              TEXT        NOT NULL,
    tokens_per_minute BIGINT      CHECK (tokens_per_minute >= 0),
    tokens_per_day    BIGINT      CHECK (tokens_per_day >= 0),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by        TEXT        NOT NULL
);
