#!/usr/bin/env bash
# Benchmark of the analytics views over 10 million generated inference_results rows.
#
#   sql/bench/views-bench.sh [ROWS]          (default 10000000)
#
# Starts a throwaway PostgreSQL cluster (Debian binaries, fsync off) on port $BENCH_PORT (25432),
# applies the migrations of sql/ in order with psql, generates ROWS rows over 30 days with
# generate_series (1,000 users with a skewed share, two models, 90% completed, 6% rejected for
# quota, 2% expired, 1% failed, 1% cancelled), then runs each benchmark query with
# EXPLAIN (ANALYZE, BUFFERS), three times, and reports the best execution time. Before the
# queries it rolls up the finished days with refresh_usage_rollups() (timed; "today" is the
# machine's UTC date, so run it with the clock near 2026-11-22 or read the watermark it prints).
# Plans and a summary land in sql/target/bench/. The cluster is removed at the end unless
# BENCH_KEEP=1. Needs: /usr/lib/postgresql/<v>/bin, psql, and root or the postgres user.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS="${1:-10000000}"
PORT="${BENCH_PORT:-25432}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
[[ -x "$PGBIN/initdb" ]] || { echo "no PostgreSQL binaries (set PGBIN)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/streaminfer-views-bench.XXXXXX)"
OUT="sql/target/bench"
# The data covers the 30 UTC days up to and including today, so "today" is the raw part of the
# views and the 29 days before it are rolled up.
TODAY=$(date -u +%F)
START=$(date -u -d "$TODAY - 29 days" +%F)
END=$(date -u -d "$TODAY + 1 day" +%F)
MONTH=$(date -u -d "$TODAY" +%Y-%m-01)
WEEK=$(date -u -d "$TODAY - 6 days" +%F)
mkdir -p "$OUT"
rm -f "$OUT"/*.txt

as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ $(id -u) -eq 0 ]]; then chown postgres "$WORK"; chmod 755 "$WORK"; fi

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  if [[ "${BENCH_KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; else echo "kept cluster in $WORK (port $PORT)"; fi
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$WORK/data" -A trust -N -U postgres >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -w -l "$WORK/log" start -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=2GB -c max_wal_size=16GB \
  -c work_mem=64MB -c maintenance_work_mem=1GB -c max_parallel_workers_per_gather=2 -c jit=off" >/dev/null || { cat "$WORK/log" >&2; exit 1; }

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE bench"
PSQL+=(-d bench)

for f in $(ls sql/src/main/resources/db/migration/V*.sql | sort -V); do "${PSQL[@]}" -f "$f"; done
echo "PostgreSQL $("${PSQL[@]}" -Atc 'SHOW server_version'), migrations applied; generating $ROWS rows..."

t0=$(date +%s)
# Load without secondary indexes, then build them with the migrations' own definitions.
"${PSQL[@]}" -Atc "CREATE TABLE bench_indexes AS SELECT indexname, indexdef FROM pg_indexes
                   WHERE tablename = 'inference_results' AND indexname <> 'inference_results_pkey'"
"${PSQL[@]}" -Atc "SELECT 'DROP INDEX ' || indexname || ';' FROM bench_indexes" | "${PSQL[@]}"
"${PSQL[@]}" <<SQL
ALTER TABLE inference_results DROP CONSTRAINT inference_results_pkey;
INSERT INTO inference_results (request_id, user_id, model, status, input_tokens, charged_tokens,
                               error_code, submitted_at, completed_at)
SELECT 'req-' || g,
       'user-' || lpad(floor(1000 * power(ru, 3))::int::text, 4, '0'),
       CASE WHEN g % 3 = 0 THEN 'bge-small-en-v15-q' ELSE 'all-minilm-l6-v2-q' END,
       st,
       tok,
       CASE WHEN st = 'completed' THEN tok ELSE 0 END,
       CASE st WHEN 'rejected' THEN 'quota_exceeded' WHEN 'expired' THEN 'deadline_exceeded'
               WHEN 'failed' THEN 'inference_failed' WHEN 'cancelled' THEN 'cancelled' END,
       ts,
       ts + CASE st WHEN 'completed' THEN make_interval(secs => (15 + 40 * -ln(1 - rl)) / 1000.0)
                    WHEN 'rejected'  THEN interval '1 millisecond'
                    WHEN 'expired'   THEN interval '60 seconds'
                    WHEN 'failed'    THEN interval '200 milliseconds'
                    ELSE interval '500 milliseconds' END
FROM (
    SELECT g, ru, rl, tok,
           TIMESTAMPTZ '$START 00:00:00+00' + (g::double precision / $ROWS) * interval '30 days' AS ts,
           CASE WHEN rs < 0.90 THEN 'completed' WHEN rs < 0.96 THEN 'rejected'
                WHEN rs < 0.98 THEN 'expired'   WHEN rs < 0.99 THEN 'failed' ELSE 'cancelled' END AS st
    FROM (SELECT g, random() AS rs, random() AS ru, random() AS rl, 8 + floor(random() * 120)::int AS tok
          FROM generate_series(1, $ROWS) g) r0
) r;
ALTER TABLE inference_results ADD CONSTRAINT inference_results_pkey PRIMARY KEY (request_id);
SQL
"${PSQL[@]}" -Atc "SELECT indexdef FROM bench_indexes" | sed 's/$/;/' | "${PSQL[@]}"
"${PSQL[@]}" -c "DROP TABLE bench_indexes" -c "VACUUM (ANALYZE) inference_results"
t1=$(date +%s)
SIZE=$("${PSQL[@]}" -Atc "SELECT pg_size_pretty(pg_table_size('inference_results')) || ' table, '
        || pg_size_pretty(pg_indexes_size('inference_results')) || ' indexes'")
echo "generated and indexed $ROWS rows in $((t1 - t0)) s ($SIZE)" | tee "$OUT/summary.txt"

# First refresh rolls up every finished day (all but today); the second is what the
# hourly schedule costs (recomputes the last 2 days).
ms_of() { "${PSQL[@]}" -Atc "EXPLAIN (ANALYZE, BUFFERS) $1" | tee "$OUT/$2" | grep -oP 'Execution Time: \K[0-9.]+'; }
first=$(ms_of "SELECT * FROM refresh_usage_rollups()" plan-refresh-first.txt)
"${PSQL[@]}" -c "VACUUM (ANALYZE) usage_daily_rollup, latency_hourly_rollup"
steady=$(ms_of "SELECT * FROM refresh_usage_rollups('2 days')" plan-refresh-steady.txt)
"${PSQL[@]}" -c "VACUUM (ANALYZE) usage_daily_rollup, latency_hourly_rollup"
ROLL=$("${PSQL[@]}" -Atc "SELECT (SELECT count(*) FROM usage_daily_rollup) || ' usage rows ('
        || pg_size_pretty(pg_total_relation_size('usage_daily_rollup')) || '), '
        || (SELECT count(*) FROM latency_hourly_rollup) || ' latency rows; watermark '
        || (SELECT rolled_until FROM rollup_state)")
printf 'refresh_usage_rollups(): first (29 days) %s ms, steady state (lookback 2 days) %s ms; %s\n' \
  "$first" "$steady" "$ROLL" | tee -a "$OUT/summary.txt"

# name|query
QUERIES=(
  "usage_daily: today, all users (raw part)|SELECT * FROM usage_daily WHERE day = '$TODAY'"
  "usage_daily: one day, all users|SELECT * FROM usage_daily WHERE day = '$WEEK'"
  "usage_daily: one user, 30 days|SELECT * FROM usage_daily WHERE user_id = 'user-0420' AND day >= '$START'"
  "usage_daily: 30 days, all users|SELECT * FROM usage_daily WHERE day >= '$START'"
  "rejections_daily: last 7 days, quota|SELECT * FROM rejections_daily WHERE day >= '$WEEK' AND status = 'rejected'"
  "latency_hourly: last 24 hours|SELECT * FROM latency_hourly WHERE hour >= '$TODAY 00:00+00'::timestamptz - interval '1 day'"
  "latency_hourly: all 30 days|SELECT * FROM latency_hourly"
  "cost_per_user_month: this month, all users|SELECT * FROM cost_per_user_month WHERE month = '$MONTH'"
  "cost_per_user_month: one user|SELECT * FROM cost_per_user_month WHERE user_id = 'user-0420'"
  "top_users: today, top 10|SELECT * FROM top_users('$TODAY 00:00+00', '$END 00:00+00', 10)"
  "top_users: 30 days, top 10|SELECT * FROM top_users('$START 00:00+00', '$END 00:00+00', 10)"
  "top_users: 7.5 days, partial first day|SELECT * FROM top_users('$WEEK 12:00+00'::timestamptz - interval '1 day', '$END 00:00+00', 10)"
  "usage_per_minute: one hour|SELECT * FROM usage_per_minute('$TODAY 11:00+00', '$TODAY 12:00+00')"
)

printf '\n| query | rows | best of 3 (ms) | plan |\n| --- | ---: | ---: | --- |\n' | tee -a "$OUT/summary.txt"
i=0
for entry in "${QUERIES[@]}"; do
  i=$((i + 1))
  name="${entry%%|*}"; sql="${entry#*|}"
  plan_file="$OUT/plan-$(printf %02d $i).txt"
  best=""
  for run in 1 2 3; do
    plan=$("${PSQL[@]}" -Atc "EXPLAIN (ANALYZE, BUFFERS) $sql")
    ms=$(grep -oP 'Execution Time: \K[0-9.]+' <<<"$plan")
    if [[ -z "$best" ]] || awk -v a="$ms" -v b="$best" 'BEGIN{exit !(a<b)}'; then best="$ms"; printf '%s\n\n%s\n' "$sql" "$plan" >"$plan_file"; fi
  done
  nrows=$("${PSQL[@]}" -Atc "SELECT count(*) FROM ($sql) q")
  # the access path: the first scan node of the plan
  access=$(grep -oE '(Parallel )?(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan) (using [a-z_]+ )?on [a-z_]+' "$plan_file" | head -3 | paste -sd ';' | sed 's/;/; /g' || true)
  printf '| %s | %s | %s | %s |\n' "$name" "$nrows" "$best" "$access" | tee -a "$OUT/summary.txt"
done
echo
echo "plans: $OUT/plan-*.txt; summary: $OUT/summary.txt"
