-- One row per request; the job upserts by request_id, so replays never add a second row.
CREATE TABLE inference_results (
    request_id     TEXT        PRIMARY KEY,
    user_id        TEXT        NOT NULL,
    model          TEXT        NOT NULL,
    status         TEXT        NOT NULL
        CHECK (status IN ('queued', 'completed', 'rejected', 'expired', 'failed', 'cancelled')),
    input_tokens   INTEGER     NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    charged_tokens INTEGER     NOT NULL DEFAULT 0 CHECK (charged_tokens >= 0),
    error_code     TEXT,
    submitted_at   TIMESTAMPTZ NOT NULL,
    completed_at   TIMESTAMPTZ,
    latency_ms     BIGINT GENERATED ALWAYS AS
        ((EXTRACT(EPOCH FROM (completed_at - submitted_at)) * 1000)::BIGINT) STORED,
    embeddings     JSONB
);

CREATE INDEX inference_results_user_submitted ON inference_results (user_id, submitted_at);

-- API keys are stored as SHA-256 hex digests; the plain key is never stored.
CREATE TABLE api_keys (
    key_hash   TEXT        PRIMARY KEY,
    user_id    TEXT        NOT NULL,
    role       TEXT        NOT NULL CHECK (role IN ('user', 'admin')),
    plan       TEXT        NOT NULL DEFAULT 'free',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

CREATE INDEX api_keys_user ON api_keys (user_id);
