-- Rollups and retention for inference_results (sql/README.md: "Rollups" and "Retention and
-- partitioning").
--
-- Completed UTC days are rolled up into usage_daily_rollup (per day, user, model, status, reason)
-- and latency_hourly_rollup (per hour and model, exact percentiles) by refresh_usage_rollups().
-- The views read the rollups for days before the watermark (rollup_state.rolled_until) and the
-- raw rows from the watermark on, so they are fast over months and current to the last row.
-- The purge deletes only raw rows of days already rolled up, so the daily and monthly views
-- return the same numbers before and after it.

CREATE TABLE usage_daily_rollup (
    day             DATE    NOT NULL,
    user_id         TEXT    NOT NULL,
    model           TEXT    NOT NULL,
    status          TEXT    NOT NULL
        CHECK (status IN ('queued', 'completed', 'rejected', 'expired', 'failed', 'cancelled')),
    -- '' (not NULL) for "none", so it can be part of the primary key
    error_code      TEXT    NOT NULL DEFAULT '',
    requests        BIGINT  NOT NULL CHECK (requests >= 0),
    input_tokens    BIGINT  NOT NULL CHECK (input_tokens >= 0),
    charged_tokens  BIGINT  NOT NULL CHECK (charged_tokens >= 0),
    -- priced with the model_prices row valid at each request's submitted_at
    cost_usd        NUMERIC NOT NULL DEFAULT 0,
    -- charged tokens without a valid price (not in cost_usd)
    unpriced_tokens BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id, model, status, error_code)
);

CREATE INDEX usage_daily_rollup_user ON usage_daily_rollup (user_id, day);

CREATE TABLE latency_hourly_rollup (
    hour      TIMESTAMPTZ      NOT NULL,
    model     TEXT             NOT NULL,
    completed BIGINT           NOT NULL,
    p50_ms    DOUBLE PRECISION,
    p95_ms    DOUBLE PRECISION,
    p99_ms    DOUBLE PRECISION,
    avg_ms    NUMERIC,
    max_ms    BIGINT,
    PRIMARY KEY (hour, model)
);

-- One row. Days before rolled_until are in the rollups; raw rows before purged_until may be gone
-- (a refresh never recomputes those days). Both are UTC midnights, or -infinity.
CREATE TABLE rollup_state (
    id           BOOLEAN     PRIMARY KEY DEFAULT TRUE CHECK (id),
    rolled_until TIMESTAMPTZ NOT NULL,
    purged_until TIMESTAMPTZ NOT NULL,
    refreshed_at TIMESTAMPTZ
);

INSERT INTO rollup_state (id, rolled_until, purged_until)
VALUES (TRUE, TIMESTAMPTZ '-infinity', TIMESTAMPTZ '-infinity');

-- The watermark the views split on. STABLE, so the planner evaluates it while planning and
-- estimates `submitted_at >= usage_rollup_watermark()` from the real value (index range on
-- today's rows), and an index scan calls it once.
CREATE FUNCTION usage_rollup_watermark() RETURNS TIMESTAMPTZ
LANGUAGE sql STABLE AS $$
    SELECT rolled_until FROM rollup_state
$$;

-- Rolls up every UTC day that ended at least `settle` ago, recomputing the last `lookback` of
-- days already rolled (late writes land there) and never a day whose raw rows may be purged.
-- Delete-and-insert per day range in one transaction: readers see the old or the new rollup,
-- never a mix, and running it twice gives the same rows. Concurrent calls serialise on
-- rollup_state. Run it hourly, e.g. SELECT * FROM refresh_usage_rollups();
-- after a backlog older than lookback, pass a longer one: refresh_usage_rollups('7 days').
CREATE FUNCTION refresh_usage_rollups(lookback INTERVAL DEFAULT '2 days',
                                      settle   INTERVAL DEFAULT '1 hour')
RETURNS TABLE (recomputed_from TIMESTAMPTZ, rolled_until TIMESTAMPTZ,
               usage_rows BIGINT, latency_rows BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    st         rollup_state%ROWTYPE;
    new_until  TIMESTAMPTZ;
    start_at   TIMESTAMPTZ;
    n_usage    BIGINT;
    n_latency  BIGINT;
BEGIN
    IF lookback IS NULL OR lookback < INTERVAL '0' THEN
        RAISE EXCEPTION 'lookback must be zero or more, got %', lookback;
    END IF;
    IF settle IS NULL OR settle < INTERVAL '0' THEN
        RAISE EXCEPTION 'settle must be zero or more, got %', settle;
    END IF;
    SELECT * INTO st FROM rollup_state FOR UPDATE;

    new_until := date_trunc('day', (now() - settle) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    new_until := greatest(new_until, st.rolled_until);   -- the watermark never moves back
    IF st.rolled_until = '-infinity' THEN
        SELECT min(r.submitted_at) INTO start_at FROM inference_results r;
        start_at := COALESCE(start_at, new_until);
    ELSE
        start_at := st.rolled_until - lookback;
    END IF;
    start_at := greatest(start_at, st.purged_until);
    start_at := least(date_trunc('day', start_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', new_until);

    DELETE FROM usage_daily_rollup u
    WHERE u.day >= (start_at AT TIME ZONE 'UTC')::date
      AND u.day < (new_until AT TIME ZONE 'UTC')::date;
    INSERT INTO usage_daily_rollup (day, user_id, model, status, error_code, requests,
                                    input_tokens, charged_tokens, cost_usd, unpriced_tokens)
    SELECT (r.submitted_at AT TIME ZONE 'UTC')::date,
           r.user_id, r.model, r.status, COALESCE(r.error_code, ''),
           count(*),
           sum(r.input_tokens),
           sum(r.charged_tokens),
           COALESCE(sum(r.charged_tokens * p.usd_per_1k_tokens / 1000), 0),
           COALESCE(sum(r.charged_tokens) FILTER (WHERE p.model IS NULL AND r.charged_tokens > 0), 0)
    FROM inference_results r
    LEFT JOIN model_price_periods p
           ON p.model = r.model
          AND r.submitted_at >= p.valid_from
          AND r.submitted_at < p.valid_to
    WHERE r.submitted_at >= start_at
      AND r.submitted_at < new_until
    GROUP BY 1, 2, 3, 4, 5;
    GET DIAGNOSTICS n_usage = ROW_COUNT;

    DELETE FROM latency_hourly_rollup l
    WHERE l.hour >= start_at AND l.hour < new_until;
    INSERT INTO latency_hourly_rollup (hour, model, completed, p50_ms, p95_ms, p99_ms, avg_ms, max_ms)
    SELECT hour, model, completed, pct[1], pct[2], pct[3], avg_ms, max_ms
    FROM (
        SELECT date_trunc('hour', r.submitted_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
               r.model,
               count(*) AS completed,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY r.latency_ms) AS pct,
               round(avg(r.latency_ms), 1) AS avg_ms,
               max(r.latency_ms) AS max_ms
        FROM inference_results r
        WHERE r.status = 'completed'
          AND r.latency_ms IS NOT NULL
          AND r.submitted_at >= start_at
          AND r.submitted_at < new_until
        GROUP BY 1, 2
    ) l;
    GET DIAGNOSTICS n_latency = ROW_COUNT;

    UPDATE rollup_state s SET rolled_until = new_until, refreshed_at = now();
    RETURN QUERY SELECT start_at, new_until, n_usage, n_latency;
END;
$$;

-- Deletes at most batch_size raw rows submitted before cutoff, oldest first, but only of days
-- already rolled up (before rollup_state.rolled_until, rounded down to a UTC midnight), and moves
-- purged_until forward so no refresh recomputes those days from what is left. Returns the number
-- of rows deleted: call it until it returns 0, each call its own short transaction (autocommit),
-- which bounds locks, WAL bursts and bloat. Rows locked by a concurrent writer are skipped.
CREATE FUNCTION purge_inference_results_before(cutoff TIMESTAMPTZ, batch_size INTEGER DEFAULT 10000)
RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    st        rollup_state%ROWTYPE;
    effective TIMESTAMPTZ;
    deleted   BIGINT;
BEGIN
    IF cutoff IS NULL THEN
        RAISE EXCEPTION 'cutoff must not be null';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1, got %', batch_size;
    END IF;
    SELECT * INTO st FROM rollup_state FOR UPDATE;
    effective := least(date_trunc('day', cutoff AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', st.rolled_until);
    IF effective < date_trunc('day', cutoff AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' THEN
        RAISE NOTICE 'purging only up to % (the rollup watermark); run refresh_usage_rollups() first', effective;
    END IF;
    IF effective = '-infinity' THEN
        RETURN 0;
    END IF;
    IF effective > st.purged_until THEN
        UPDATE rollup_state SET purged_until = effective;
    END IF;

    DELETE FROM inference_results r
    WHERE r.request_id IN (
        SELECT v.request_id
        FROM inference_results v
        WHERE v.submitted_at < effective
        ORDER BY v.submitted_at
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED
    );
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END;
$$;

-- One batch of rows older than older_than (relative to now()). Refuses less than one day, so a
-- typo cannot delete rows the job may still upsert.
CREATE FUNCTION purge_inference_results(older_than INTERVAL, batch_size INTEGER DEFAULT 10000)
RETURNS BIGINT
LANGUAGE plpgsql AS $$
BEGIN
    IF older_than IS NULL OR older_than < INTERVAL '1 day' THEN
        RAISE EXCEPTION 'older_than must be at least 1 day, got %', older_than;
    END IF;
    RETURN purge_inference_results_before(now() - older_than, batch_size);
END;
$$;

-- The whole purge, one committed transaction per batch, e.g. nightly:
--   CALL purge_inference_results_all('90 days');
-- (outside an explicit transaction block). The cutoff is fixed when the call starts.
CREATE PROCEDURE purge_inference_results_all(older_than INTERVAL, batch_size INTEGER DEFAULT 10000)
LANGUAGE plpgsql AS $$
DECLARE
    cutoff  TIMESTAMPTZ;
    deleted BIGINT;
BEGIN
    IF older_than IS NULL OR older_than < INTERVAL '1 day' THEN
        RAISE EXCEPTION 'older_than must be at least 1 day, got %', older_than;
    END IF;
    cutoff := now() - older_than;
    LOOP
        deleted := purge_inference_results_before(cutoff, batch_size);
        COMMIT;
        EXIT WHEN deleted = 0;
    END LOOP;
END;
$$;
