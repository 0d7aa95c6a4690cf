package dev.streaminfer.it.sql;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A known set of results for the analytics views, written with the job's own upsert
 * ({@link ResultRows#UPSERT_SQL} and {@link ResultRows#binder}), and the numbers every view must
 * return for it, computed here in Java from the same set (an oracle independent of the SQL).
 *
 * <p>The set spans four UTC days around a month boundary (two days of one month, two of the
 * next), three users, the two bundled models and a test-only model whose price changes in the
 * middle of the third day, every final status, a request that goes queued → completed, one that
 * stays queued, and a failed attempt whose replay completed (the replay's write wins). User ids and the test
 * model carry a random prefix because the database is shared with other tests.
 */
final class SqlTestData {

    static final String M1 = "all-minilm-l6-v2-q";
    static final String M2 = "bge-small-en-v15-q";
    /** The seeded prices of V2 (USD per 1k tokens), valid from 2026-01-01. */
    static final Map<String, BigDecimal> SEEDED_PRICES = Map.of(M1, new BigDecimal("0.002"), M2, new BigDecimal("0.004"));
    static final Instant SEEDED_FROM = Instant.parse("2026-01-01T00:00:00Z");
    static final BigDecimal TEST_PRICE_1 = new BigDecimal("0.01");
    static final BigDecimal TEST_PRICE_2 = new BigDecimal("0.025");

    final String prefix = "sqlit-" + UUID.randomUUID().toString().substring(0, 8);
    final String alice = prefix + "-alice";
    final String bob = prefix + "-bob";
    final String carol = prefix + "-carol";
    final String testModel = prefix + "-model";
    final List<String> users = List.of(alice, bob, carol);
    final ServiceEndpoints services = TestServices.get().endpoints();

    /** One row as it must end up in the table (the final state after all writes). */
    record Row(String requestId, String userId, String model, String status, int inputTokens,
               int chargedTokens, String errorCode, Instant submittedAt, Instant completedAt) {

        LocalDate day() {
            return submittedAt.atOffset(ZoneOffset.UTC).toLocalDate();
        }

        Instant hour() {
            return submittedAt.atOffset(ZoneOffset.UTC).withMinute(0).withSecond(0).withNano(0).toInstant();
        }

        LocalDate month() {
            return day().withDayOfMonth(1);
        }

        Long latencyMs() {
            return completedAt == null ? null : completedAt.toEpochMilli() - submittedAt.toEpochMilli();
        }
    }

    /** The rows of one four-day window; {@code writes} is what is sent, {@code rows} what must be stored. */
    static final class Window {
        final LocalDate firstDay;
        final Instant priceChange;
        final List<InferenceResult> writes = new ArrayList<>();
        final Map<String, Row> rows = new LinkedHashMap<>();

        Window(LocalDate firstDay) {
            this.firstDay = firstDay;
            this.priceChange = at(2, 12, 0, 0, 0);
        }

        Instant start() {
            return firstDay.atStartOfDay().toInstant(ZoneOffset.UTC);
        }

        Instant end() {
            return firstDay.plusDays(4).atStartOfDay().toInstant(ZoneOffset.UTC);
        }

        Instant at(int day, int hour, int minute, int second, int millis) {
            return firstDay.plusDays(day).atTime(hour, minute, second, millis * 1_000_000).toInstant(ZoneOffset.UTC);
        }

        List<Row> rows() {
            return new ArrayList<>(rows.values());
        }
    }

    /** Day 0 and 1 are the last two days of a month, days 2 and 3 the first two of the next. */
    Window window(LocalDate firstOfMonth, String tag) {
        Window w = new Window(firstOfMonth.minusDays(2));
        int[] seq = {0};
        Function<String, String> id = kind -> prefix + "-" + tag + "-" + (++seq[0]) + "-" + kind;

        // alice, day 0: three completed on M1 in two hours, one on M2, one rejected for quota
        completed(w, id.apply("c"), alice, M1, 100, w.at(0, 10, 15, 0, 0), 120);
        completed(w, id.apply("c"), alice, M1, 50, w.at(0, 10, 40, 0, 0), 80);
        completed(w, id.apply("c"), alice, M1, 30, w.at(0, 11, 5, 0, 0), 200);
        completed(w, id.apply("c"), alice, M2, 40, w.at(0, 10, 50, 0, 0), 300);
        unsuccessful(w, id.apply("r"), alice, M1, RequestStatus.REJECTED, "quota_exceeded", 500, w.at(0, 12, 0, 0, 0), 1);
        // bob, day 0: one completed in alice's hour, two rejected for quota
        completed(w, id.apply("c"), bob, M1, 10, w.at(0, 10, 20, 0, 0), 100);
        unsuccessful(w, id.apply("r"), bob, M1, RequestStatus.REJECTED, "quota_exceeded", 20, w.at(0, 10, 25, 0, 0), 1);
        unsuccessful(w, id.apply("r"), bob, M1, RequestStatus.REJECTED, "quota_exceeded", 25, w.at(0, 10, 26, 0, 0), 2);
        // day 1 (last of the month): test model at price 1, a completion half a second before midnight
        completed(w, id.apply("c"), alice, testModel, 1000, w.at(1, 9, 0, 0, 0), 50);
        completed(w, id.apply("c"), bob, M2, 60, w.at(1, 23, 59, 59, 500), 90);
        completed(w, id.apply("c"), carol, M2, 5, w.at(1, 8, 0, 0, 0), 10);
        // day 2 (first of the next month): expiry, failure at midnight, another rejection reason,
        // the test model just before and after its price change
        unsuccessful(w, id.apply("e"), alice, M1, RequestStatus.EXPIRED, "deadline_exceeded", 70, w.at(2, 9, 30, 0, 0), 60_000);
        unsuccessful(w, id.apply("f"), bob, M2, RequestStatus.FAILED, "inference_failed", 15, w.at(2, 0, 0, 0, 0), 250);
        unsuccessful(w, id.apply("r"), bob, M1, RequestStatus.REJECTED, "input_too_long", 33, w.at(2, 14, 0, 0, 0), 1);
        completed(w, id.apply("c"), alice, testModel, 500, w.priceChange.minusMillis(1), 45);
        completed(w, id.apply("c"), alice, testModel, 2000, w.priceChange, 40);
        completed(w, id.apply("c"), alice, testModel, 300, w.at(2, 13, 10, 0, 0), 60);
        // day 3: a cancellation, one still queued, one queued then completed, a failed attempt replayed as completed
        unsuccessful(w, id.apply("x"), alice, M1, RequestStatus.CANCELLED, "cancelled", 12, w.at(3, 8, 0, 0, 0), 500);
        queued(w, id.apply("q"), carol, M1, 7, w.at(3, 9, 0, 0, 0));
        String later = id.apply("qc");
        queued(w, later, carol, M1, 9, w.at(3, 9, 1, 0, 0));
        completed(w, later, carol, M1, 9, w.at(3, 9, 1, 0, 0), 70);
        String replayed = id.apply("c");
        // the first attempt failed and its checkpoint never completed; the replay computed it: the
        // stored row is the replay's, as the committed results and the quota state are (last write wins)
        w.writes.add(result(replayed, carol, M1, RequestStatus.FAILED, 11, 0, "inference_failed",
                w.at(3, 9, 2, 0, 0), w.at(3, 9, 2, 0, 0).plusMillis(999)));
        completed(w, replayed, carol, M1, 11, w.at(3, 9, 2, 0, 0), 30);
        return w;
    }

    private static void completed(Window w, String id, String user, String model, int tokens, Instant at, long latencyMs) {
        Instant done = at.plusMillis(latencyMs);
        w.writes.add(result(id, user, model, RequestStatus.COMPLETED, tokens, tokens, null, at, done));
        w.rows.put(id, new Row(id, user, model, "completed", tokens, tokens, null, at, done));
    }

    private static void unsuccessful(Window w, String id, String user, String model, RequestStatus status,
            String code, int tokens, Instant at, long afterMs) {
        Instant done = at.plusMillis(afterMs);
        w.writes.add(result(id, user, model, status, tokens, 0, code, at, done));
        w.rows.put(id, new Row(id, user, model, status.wireName(), tokens, 0, code, at, done));
    }

    private static void queued(Window w, String id, String user, String model, int tokens, Instant at) {
        w.writes.add(result(id, user, model, RequestStatus.QUEUED, tokens, 0, null, at, null));
        w.rows.put(id, new Row(id, user, model, "queued", tokens, 0, null, at, null));
    }

    private static InferenceResult result(String id, String user, String model, RequestStatus status, int input,
            int charged, String code, Instant submitted, Instant completed) {
        return new InferenceResult(id, user, model, Priority.NORMAL, status, input, charged, null, code,
                code == null ? null : "test " + code, 0L, submitted.toEpochMilli(),
                completed == null ? 0L : completed.toEpochMilli(), null);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(services.postgresUrl(), services.postgresUser(), services.postgresPassword());
    }

    /** Writes every result through the job's upsert, one statement at a time, in order. */
    void write(Connection c, List<InferenceResult> writes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ResultRows.UPSERT_SQL)) {
            for (InferenceResult r : writes) {
                ResultRows.binder(false).accept(ps, r);
                ps.executeUpdate();
            }
        }
    }

    /** Prices for the test model: TEST_PRICE_1 from a year before the window, TEST_PRICE_2 from its change. */
    void insertTestPrices(Connection c, Window w) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO model_prices (model, valid_from, usd_per_1k_tokens, note) VALUES (?, ?, ?, 'test')"
                        + " ON CONFLICT (model, valid_from) DO UPDATE SET usd_per_1k_tokens = EXCLUDED.usd_per_1k_tokens")) {
            ps.setString(1, testModel);
            ps.setTimestamp(2, Timestamp.from(w.start().minusSeconds(365L * 86400)));
            ps.setBigDecimal(3, TEST_PRICE_1);
            ps.executeUpdate();
            ps.setTimestamp(2, Timestamp.from(w.priceChange));
            ps.setBigDecimal(3, TEST_PRICE_2);
            ps.executeUpdate();
        }
    }

    /** Removes this run's rows and any left by an earlier run that died (all 'sqlit-' ids). */
    static void deleteTestRows(Connection c) throws SQLException {
        try (PreparedStatement a = c.prepareStatement("DELETE FROM inference_results WHERE user_id LIKE 'sqlit-%'");
             PreparedStatement b = c.prepareStatement("DELETE FROM usage_daily_rollup WHERE user_id LIKE 'sqlit-%'");
             PreparedStatement d = c.prepareStatement("DELETE FROM latency_hourly_rollup WHERE model LIKE 'sqlit-%'");
             PreparedStatement e = c.prepareStatement("DELETE FROM model_prices WHERE model LIKE 'sqlit-%'")) {
            a.executeUpdate();
            b.executeUpdate();
            d.executeUpdate();
            e.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- the oracle

    /** The price valid at {@code at}, or null. */
    BigDecimal price(Window w, String model, Instant at) {
        if (model.equals(testModel)) {
            return at.isBefore(w.priceChange) ? TEST_PRICE_1 : TEST_PRICE_2;
        }
        BigDecimal seeded = SEEDED_PRICES.get(model);
        return seeded != null && !at.isBefore(SEEDED_FROM) ? seeded : null;
    }

    BigDecimal cost(Window w, Row r) {
        BigDecimal p = price(w, r.model(), r.submittedAt());
        return p == null ? BigDecimal.ZERO : p.multiply(BigDecimal.valueOf(r.chargedTokens())).divide(BigDecimal.valueOf(1000));
    }

    long unpriced(Window w, Row r) {
        return price(w, r.model(), r.submittedAt()) == null ? r.chargedTokens() : 0;
    }

    /** usage_daily rows as "day|user|model|requests|completed|rejected|expired|failed|cancelled|queued|input|charged". */
    List<String> expectedUsageDaily(List<Row> rows) {
        Map<String, List<Row>> groups = group(rows, r -> r.day() + "|" + r.userId() + "|" + r.model());
        List<String> out = new ArrayList<>();
        groups.forEach((key, g) -> out.add(key + "|" + g.size() + "|" + count(g, "completed") + "|" + count(g, "rejected")
                + "|" + count(g, "expired") + "|" + count(g, "failed") + "|" + count(g, "cancelled") + "|"
                + count(g, "queued") + "|" + sum(g, Row::inputTokens) + "|" + sum(g, Row::chargedTokens)));
        return out;
    }

    /** rejections_daily rows as "day|user|model|status|error_code|requests|input_tokens". */
    List<String> expectedRejections(List<Row> rows) {
        List<Row> bad = rows.stream()
                .filter(r -> List.of("rejected", "expired", "failed", "cancelled").contains(r.status())).toList();
        Map<String, List<Row>> groups = group(bad,
                r -> r.day() + "|" + r.userId() + "|" + r.model() + "|" + r.status() + "|" + r.errorCode());
        List<String> out = new ArrayList<>();
        groups.forEach((key, g) -> out.add(key + "|" + g.size() + "|" + sum(g, Row::inputTokens)));
        return out;
    }

    /** latency_hourly rows as "hour|model|completed|p50|p95|p99|avg|max" (percentiles to 6 decimals). */
    List<String> expectedLatency(List<Row> rows) {
        List<Row> done = rows.stream().filter(r -> r.status().equals("completed")).toList();
        Map<String, List<Row>> groups = group(done, r -> r.hour() + "|" + r.model());
        List<String> out = new ArrayList<>();
        groups.forEach((key, g) -> {
            double[] v = g.stream().mapToDouble(r -> r.latencyMs()).sorted().toArray();
            BigDecimal avg = BigDecimal.valueOf(g.stream().mapToLong(Row::latencyMs).sum())
                    .divide(BigDecimal.valueOf(g.size()), 1, RoundingMode.HALF_UP);
            out.add(key + "|" + g.size() + "|" + fmt(percentileCont(v, 0.5)) + "|" + fmt(percentileCont(v, 0.95)) + "|"
                    + fmt(percentileCont(v, 0.99)) + "|" + avg.toPlainString() + "|" + (long) v[v.length - 1]);
        });
        return out;
    }

    /** cost_daily rows as "day|user|model|charged|cost|unpriced". */
    List<String> expectedCostDaily(Window w, List<Row> rows) {
        return costRows(w, rows, r -> r.day() + "|" + r.userId() + "|" + r.model());
    }

    /** cost_per_user_model_month rows as "month|user|model|charged|cost|unpriced". */
    List<String> expectedCostUserModelMonth(Window w, List<Row> rows) {
        return costRows(w, rows, r -> r.month() + "|" + r.userId() + "|" + r.model());
    }

    /** cost_per_user_month rows as "month|user|charged|cost|unpriced". */
    List<String> expectedCostUserMonth(Window w, List<Row> rows) {
        return costRows(w, rows, r -> r.month() + "|" + r.userId());
    }

    private List<String> costRows(Window w, List<Row> rows, Function<Row, String> key) {
        List<Row> charged = rows.stream().filter(r -> r.chargedTokens() > 0).toList();
        List<String> out = new ArrayList<>();
        group(charged, key).forEach((k, g) -> {
            BigDecimal cost = g.stream().map(r -> cost(w, r)).reduce(BigDecimal.ZERO, BigDecimal::add);
            out.add(k + "|" + sum(g, Row::chargedTokens) + "|" + money(cost) + "|"
                    + g.stream().mapToLong(r -> unpriced(w, r)).sum());
        });
        return out;
    }

    /** top_users rows as "rank|user|requests|completed|rejected|charged|cost|share" for [from, to). */
    List<String> expectedTopUsers(Window w, List<Row> rows, Instant from, Instant to, int n) {
        List<Row> in = rows.stream()
                .filter(r -> !r.submittedAt().isBefore(from) && r.submittedAt().isBefore(to)).toList();
        long total = sum(in, Row::chargedTokens);
        List<Map.Entry<String, List<Row>>> perUser = new ArrayList<>(group(in, Row::userId).entrySet());
        perUser.sort(Comparator.<Map.Entry<String, List<Row>>>comparingLong(e -> -sum(e.getValue(), Row::chargedTokens))
                .thenComparing(Map.Entry::getKey));
        List<String> out = new ArrayList<>();
        long previous = Long.MIN_VALUE;
        int rank = 0;
        for (int i = 0; i < perUser.size() && i < n; i++) {
            List<Row> g = perUser.get(i).getValue();
            long tokens = sum(g, Row::chargedTokens);
            if (tokens != previous) {
                rank = i + 1;
                previous = tokens;
            }
            BigDecimal cost = g.stream().map(r -> cost(w, r)).reduce(BigDecimal.ZERO, BigDecimal::add);
            String share = total == 0 ? "null"
                    : BigDecimal.valueOf(tokens).divide(BigDecimal.valueOf(total), 4, RoundingMode.HALF_UP).toPlainString();
            out.add(rank + "|" + perUser.get(i).getKey() + "|" + g.size() + "|" + count(g, "completed") + "|"
                    + count(g, "rejected") + "|" + tokens + "|" + money(cost) + "|" + share);
        }
        return out;
    }

    /** usage_per_minute rows as "minute|user|model|requests|completed|rejected|charged" for [from, to). */
    List<String> expectedPerMinute(List<Row> rows, Instant from, Instant to) {
        List<Row> in = rows.stream()
                .filter(r -> !r.submittedAt().isBefore(from) && r.submittedAt().isBefore(to)).toList();
        Map<String, List<Row>> groups = group(in, r -> r.submittedAt().atOffset(ZoneOffset.UTC).withSecond(0).withNano(0)
                .toInstant() + "|" + r.userId() + "|" + r.model());
        List<String> out = new ArrayList<>();
        groups.forEach((key, g) -> out.add(key + "|" + g.size() + "|" + count(g, "completed") + "|"
                + count(g, "rejected") + "|" + sum(g, Row::chargedTokens)));
        return out;
    }

    /** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
    static double percentileCont(double[] sorted, double p) {
        double pos = p * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    static String fmt(double v) {
        return BigDecimal.valueOf(v).setScale(6, RoundingMode.HALF_UP).toPlainString();
    }

    static String money(BigDecimal v) {
        return v == null ? "null" : v.setScale(8, RoundingMode.HALF_UP).toPlainString();
    }

    private static Map<String, List<Row>> group(List<Row> rows, Function<Row, String> key) {
        return rows.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.toList()));
    }

    private static long count(List<Row> g, String status) {
        return g.stream().filter(r -> Objects.equals(r.status(), status)).count();
    }

    private static long sum(List<Row> g, java.util.function.ToIntFunction<Row> f) {
        return g.stream().mapToLong(f::applyAsInt).sum();
    }
}
