-- Views for analysts (sql/README.md has an example query and its output for each).
-- Conventions:
--   * buckets are taken from submitted_at in UTC (the quota's day is the UTC day too); day and
--     month are DATE, hour and minute TIMESTAMPTZ (start of the UTC hour/minute);
--   * each view is rollup rows before usage_rollup_watermark() plus raw rows from it on, so it
--     is fast over long periods and includes the latest row; the two parts never overlap.

-- Daily usage per user and model.
CREATE VIEW usage_daily AS
SELECT day,
       user_id,
       model,
       sum(requests)::bigint                                              AS requests,
       COALESCE(sum(requests) FILTER (WHERE status = 'completed'), 0)::bigint AS completed,
       COALESCE(sum(requests) FILTER (WHERE status = 'rejected'), 0)::bigint  AS rejected,
       COALESCE(sum(requests) FILTER (WHERE status = 'expired'), 0)::bigint   AS expired,
       COALESCE(sum(requests) FILTER (WHERE status = 'failed'), 0)::bigint    AS failed,
       COALESCE(sum(requests) FILTER (WHERE status = 'cancelled'), 0)::bigint AS cancelled,
       COALESCE(sum(requests) FILTER (WHERE status = 'queued'), 0)::bigint    AS queued,
       sum(input_tokens)::bigint                                          AS input_tokens,
       sum(charged_tokens)::bigint                                        AS charged_tokens
FROM (
    SELECT (r.submitted_at AT TIME ZONE 'UTC')::date AS day,
           r.user_id, r.model, r.status,
           count(*)              AS requests,
           sum(r.input_tokens)   AS input_tokens,
           sum(r.charged_tokens) AS charged_tokens
    FROM inference_results r
    WHERE r.submitted_at >= usage_rollup_watermark()
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT u.day, u.user_id, u.model, u.status, u.requests, u.input_tokens, u.charged_tokens
    FROM usage_daily_rollup u
    WHERE u.day < (usage_rollup_watermark() AT TIME ZONE 'UTC')::date
) x
GROUP BY day, user_id, model;

-- Requests that did not complete, by day, user, model, final status and reason (error_code):
-- rejected (quota_exceeded, ...), expired (deadline_exceeded), failed (inference_failed),
-- cancelled. Filter status = 'rejected' for admission rejections only. input_tokens: tokens
-- that were asked for and not served.
CREATE VIEW rejections_daily AS
SELECT day,
       user_id,
       model,
       status,
       error_code,
       sum(requests)::bigint     AS requests,
       sum(input_tokens)::bigint AS input_tokens
FROM (
    SELECT (r.submitted_at AT TIME ZONE 'UTC')::date AS day,
           r.user_id, r.model, r.status,
           COALESCE(NULLIF(r.error_code, ''), 'unknown') AS error_code,
           count(*)            AS requests,
           sum(r.input_tokens) AS input_tokens
    FROM inference_results r
    WHERE r.submitted_at >= usage_rollup_watermark()
      AND r.status IN ('rejected', 'expired', 'failed', 'cancelled')
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT u.day, u.user_id, u.model, u.status,
           COALESCE(NULLIF(u.error_code, ''), 'unknown'),
           u.requests, u.input_tokens
    FROM usage_daily_rollup u
    WHERE u.day < (usage_rollup_watermark() AT TIME ZONE 'UTC')::date
      AND u.status IN ('rejected', 'expired', 'failed', 'cancelled')
) x
GROUP BY day, user_id, model, status, error_code;

-- Latency (submission to completion) of completed requests per model and UTC hour of
-- submission, in milliseconds. percentile_cont interpolates linearly: p50 of {10, 20} is 15.
CREATE VIEW latency_hourly AS
SELECT date_trunc('hour', r.submitted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
       r.model,
       count(*)                                                         AS completed,
       percentile_cont(0.50) WITHIN GROUP (ORDER BY r.latency_ms)       AS p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms)       AS p95_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY r.latency_ms)       AS p99_ms,
       round(avg(r.latency_ms), 1)                                      AS avg_ms,
       max(r.latency_ms)                                                AS max_ms
FROM inference_results r
WHERE r.submitted_at >= usage_rollup_watermark()
  AND r.status = 'completed'
  AND r.latency_ms IS NOT NULL
GROUP BY 1, 2
UNION ALL
SELECT l.hour, l.model, l.completed, l.p50_ms, l.p95_ms, l.p99_ms, l.avg_ms, l.max_ms
FROM latency_hourly_rollup l
WHERE l.hour < usage_rollup_watermark();

-- Charged tokens and their cost per UTC day, user and model; each request is priced with the
-- model_prices row valid at its submitted_at. Tokens without a valid price are counted in
-- unpriced_tokens and left out of cost_usd (after adding a price, refresh_usage_rollups with a
-- lookback covering the days concerned reprices them).
CREATE VIEW cost_daily AS
SELECT day,
       user_id,
       model,
       sum(charged_tokens)::bigint  AS charged_tokens,
       sum(cost_usd)                AS cost_usd,
       sum(unpriced_tokens)::bigint AS unpriced_tokens
FROM (
    SELECT (r.submitted_at AT TIME ZONE 'UTC')::date                          AS day,
           r.user_id, r.model,
           sum(r.charged_tokens)                                               AS charged_tokens,
           COALESCE(sum(r.charged_tokens * p.usd_per_1k_tokens / 1000), 0)     AS cost_usd,
           COALESCE(sum(r.charged_tokens) FILTER (WHERE p.model IS NULL), 0)   AS unpriced_tokens
    FROM inference_results r
    LEFT JOIN model_price_periods p
           ON p.model = r.model
          AND r.submitted_at >= p.valid_from
          AND r.submitted_at < p.valid_to
    WHERE r.submitted_at >= usage_rollup_watermark()
      AND r.charged_tokens > 0
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT u.day, u.user_id, u.model, u.charged_tokens, u.cost_usd, u.unpriced_tokens
    FROM usage_daily_rollup u
    WHERE u.day < (usage_rollup_watermark() AT TIME ZONE 'UTC')::date
      AND u.charged_tokens > 0
) c
GROUP BY day, user_id, model;

-- The same per UTC month (its first day), user and model.
CREATE VIEW cost_per_user_model_month AS
SELECT date_trunc('month', day)::date AS month,
       user_id,
       model,
       sum(charged_tokens)::bigint    AS charged_tokens,
       sum(cost_usd)                  AS cost_usd,
       sum(unpriced_tokens)::bigint   AS unpriced_tokens
FROM cost_daily
GROUP BY 1, 2, 3;

-- Per user and month, all models together: what finance invoices.
CREATE VIEW cost_per_user_month AS
SELECT month,
       user_id,
       sum(charged_tokens)::bigint  AS charged_tokens,
       sum(cost_usd)                AS cost_usd,
       sum(unpriced_tokens)::bigint AS unpriced_tokens
FROM cost_per_user_model_month
GROUP BY month, user_id;

-- The n users with the most charged tokens among requests submitted in [from_ts, to_ts).
-- Whole UTC days before the watermark come from the rollup, the rest (partial first/last day,
-- today) from raw rows. Ties are broken by user_id; equal totals share a rank. share_of_tokens
-- is the user's part of all tokens charged in the period (all users, not only the n shown).
CREATE FUNCTION top_users(from_ts TIMESTAMPTZ, to_ts TIMESTAMPTZ, n INTEGER DEFAULT 10)
RETURNS TABLE (
    rank            BIGINT,
    user_id         TEXT,
    requests        BIGINT,
    completed       BIGINT,
    rejected        BIGINT,
    charged_tokens  BIGINT,
    cost_usd        NUMERIC,
    share_of_tokens NUMERIC
)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    first_full_day TIMESTAMPTZ;  -- first UTC midnight at or after from_ts
    rolled_end     TIMESTAMPTZ;  -- whole days in [first_full_day, rolled_end) come from the rollup
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL OR n IS NULL THEN
        RAISE EXCEPTION 'top_users needs from_ts, to_ts and n';
    END IF;
    first_full_day := date_trunc('day', from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    IF first_full_day < from_ts THEN
        first_full_day := first_full_day + INTERVAL '1 day';
    END IF;
    rolled_end := least(date_trunc('day', to_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                        usage_rollup_watermark());
    rolled_end := greatest(rolled_end, first_full_day);

    RETURN QUERY
    WITH parts AS (
        SELECT r.user_id AS uid,
               count(*)                                                        AS requests,
               count(*) FILTER (WHERE r.status = 'completed')                  AS completed,
               count(*) FILTER (WHERE r.status = 'rejected')                   AS rejected,
               sum(r.charged_tokens)                                           AS tokens,
               COALESCE(sum(r.charged_tokens * p.usd_per_1k_tokens / 1000), 0) AS cost
        FROM inference_results r
        LEFT JOIN model_price_periods p
               ON p.model = r.model
              AND r.submitted_at >= p.valid_from
              AND r.submitted_at < p.valid_to
        WHERE (r.submitted_at >= from_ts AND r.submitted_at < least(first_full_day, to_ts))
           OR (r.submitted_at >= rolled_end AND r.submitted_at < to_ts)
        GROUP BY r.user_id
        UNION ALL
        SELECT u.user_id,
               sum(u.requests),
               COALESCE(sum(u.requests) FILTER (WHERE u.status = 'completed'), 0),
               COALESCE(sum(u.requests) FILTER (WHERE u.status = 'rejected'), 0),
               sum(u.charged_tokens),
               sum(u.cost_usd)
        FROM usage_daily_rollup u
        WHERE u.day >= (first_full_day AT TIME ZONE 'UTC')::date
          AND u.day < (rolled_end AT TIME ZONE 'UTC')::date
        GROUP BY u.user_id
    ), per_user AS (
        SELECT uid, sum(pa.requests)::bigint AS requests, sum(pa.completed)::bigint AS completed,
               sum(pa.rejected)::bigint AS rejected, sum(pa.tokens)::bigint AS tokens,
               sum(pa.cost) AS cost
        FROM parts pa
        GROUP BY uid
    )
    SELECT rank() OVER (ORDER BY pu.tokens DESC),
           pu.uid,
           pu.requests,
           pu.completed,
           pu.rejected,
           pu.tokens,
           pu.cost,
           round(pu.tokens::numeric / NULLIF(sum(pu.tokens) OVER (), 0), 4)
    FROM per_user pu
    ORDER BY pu.tokens DESC, pu.uid
    LIMIT greatest(n, 0);
END;
$$;

-- Per-minute usage per user and model in [from_ts, to_ts), from raw rows: what a live dashboard
-- polls for the last minutes or hours (sql/README.md explains why this and not a Flink-written
-- aggregate).
CREATE FUNCTION usage_per_minute(from_ts TIMESTAMPTZ, to_ts TIMESTAMPTZ)
RETURNS TABLE (
    minute         TIMESTAMPTZ,
    user_id        TEXT,
    model          TEXT,
    requests       BIGINT,
    completed      BIGINT,
    rejected       BIGINT,
    charged_tokens BIGINT
)
LANGUAGE sql STABLE AS $$
    SELECT date_trunc('minute', r.submitted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           r.user_id,
           r.model,
           count(*),
           count(*) FILTER (WHERE r.status = 'completed'),
           count(*) FILTER (WHERE r.status = 'rejected'),
           sum(r.charged_tokens)::bigint
    FROM inference_results r
    WHERE r.submitted_at >= from_ts
      AND r.submitted_at < to_ts
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
$$;
