package dev.streaminfer.sql.report;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/usage-report}: usage for a period as readable tables, and optionally a PNG chart of
 * charged tokens per day and user. Reads the analytics views of {@code sql/} (usage_daily,
 * cost_daily, rejections_daily, latency_hourly).
 *
 * <pre>
 * usage-report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--user USER_ID] [--top N] [--daily] [--png FILE]
 * </pre>
 * Days are UTC and both ends are included. Connection: POSTGRES_URL, POSTGRES_USER,
 * POSTGRES_PASSWORD (defaults: the local stack's jdbc:postgresql://localhost:15432/inference,
 * inference/inference).
 */
public final class UsageReport {

    static final String DEFAULT_URL = "jdbc:postgresql://localhost:15432/inference";
    static final String DEFAULT_USER = "inference";
    static final String DEFAULT_PASSWORD = "inference";
    static final int CHART_SERIES = 8;

    /** Parsed command line. {@code to} is inclusive. */
    record Options(LocalDate from, LocalDate to, String user, int top, boolean daily, Path png) {}

    /** One user's totals over the period. */
    record UserTotals(String userId, long requests, long completed, long rejected, long expired,
            long failed, long cancelled, long chargedTokens, BigDecimal costUsd, long unpricedTokens) {}

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private UsageReport() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args, LocalDate.now(ZoneOffset.UTC));
        } catch (UsageException e) {
            System.err.println("usage-report: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(usage());
            return;
        }
        String url = env("POSTGRES_URL", DEFAULT_URL);
        String user = env("POSTGRES_USER", DEFAULT_USER);
        String password = env("POSTGRES_PASSWORD", DEFAULT_PASSWORD);
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            connection.setReadOnly(true);
            run(options, connection, System.out);
        } catch (SQLException e) {
            System.err.println("usage-report: database error at " + url + " (user " + user + "): " + e.getMessage());
            if ("42P01".equals(e.getSQLState())) {
                System.err.println("usage-report: the analytics views are missing; apply the migrations of sql/"
                        + " (the job and the local stack do that on start)");
            }
            System.exit(1);
        } catch (IOException e) {
            System.err.println("usage-report: cannot write the chart: " + e.getMessage());
            System.exit(1);
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: usage-report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--user USER_ID] [--top N] [--daily] [--png FILE]",
                "  --from, --to  first and last UTC day of the period, both included",
                "                (default: the first day of this month to today)",
                "  --user        only this user, with a row per day and model",
                "  --top N       users listed in the per-user table (default 20; the total covers all)",
                "  --daily       also list every day, user and model (long for many users)",
                "  --png FILE    write a PNG chart of charged tokens per day and user",
                "  connection: POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD (default " + DEFAULT_URL
                        + ", " + DEFAULT_USER + "/" + DEFAULT_PASSWORD + ")");
    }

    /** Returns null when help was asked for. */
    static Options parse(String[] args, LocalDate today) throws UsageException {
        LocalDate from = null;
        LocalDate to = null;
        String user = null;
        int top = 20;
        boolean daily = false;
        Path png = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--daily" -> daily = true;
                case "--from", "--to", "--user", "--top", "--png" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException(arg + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (arg) {
                        case "--from" -> from = date(arg, value);
                        case "--to" -> to = date(arg, value);
                        case "--user" -> {
                            if (value.isBlank()) {
                                throw new UsageException("--user must not be empty");
                            }
                            user = value;
                        }
                        case "--top" -> {
                            try {
                                top = Integer.parseInt(value);
                            } catch (NumberFormatException e) {
                                throw new UsageException("--top must be a whole number, got '" + value + "'");
                            }
                            if (top < 1) {
                                throw new UsageException("--top must be at least 1, got " + top);
                            }
                        }
                        default -> png = Path.of(value);
                    }
                }
                default -> throw new UsageException("unknown argument '" + args[i] + "'");
            }
        }
        if (from == null) {
            from = (to == null ? today : to).withDayOfMonth(1);
        }
        if (to == null) {
            to = today.isBefore(from) ? from.withDayOfMonth(from.lengthOfMonth()) : today;
        }
        if (to.isBefore(from)) {
            throw new UsageException("--to " + to + " is before --from " + from);
        }
        if (from.plusYears(5).isBefore(to)) {
            throw new UsageException("the period is longer than 5 years; pick a shorter one");
        }
        return new Options(from, to, user, top, daily, png);
    }

    private static LocalDate date(String option, String value) throws UsageException {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new UsageException(option + " must be a date like 2026-11-01, got '" + value + "'");
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Prints the report for {@code options} and writes the chart if asked. */
    static void run(Options o, Connection c, PrintStream out) throws SQLException, IOException {
        String scope = o.user() == null ? "all users" : "user " + o.user();
        out.printf("Usage %s .. %s (UTC days, both included), %s%n%n", o.from(), o.to(), scope);

        List<UserTotals> users = userTotals(c, o);
        printUsers(out, o, users);
        printRejections(out, c, o);
        printLatency(out, c, o);
        if (o.user() != null || o.daily()) {
            printDaily(out, c, o);
        }
        if (o.png() != null) {
            List<LocalDate> days = new ArrayList<>();
            for (LocalDate d = o.from(); !d.isAfter(o.to()); d = d.plusDays(1)) {
                days.add(d);
            }
            List<String> order = users.stream().filter(u -> u.chargedTokens() > 0).map(UserTotals::userId).toList();
            Map<String, Map<LocalDate, Long>> series =
                    DailyTokensChart.topSeries(order, dailyTokens(c, o), CHART_SERIES);
            String title = "Charged tokens per day, " + scope + ", " + o.from() + " .. " + o.to();
            try {
                DailyTokensChart.write(o.png(), title, days, series);
            } catch (Error e) {
                // headless Java2D without any font installed fails here
                throw new IOException("Java2D could not render (" + e + "); on a minimal system install fonts,"
                        + " e.g. apt-get install fontconfig fonts-dejavu-core", e);
            }
            out.printf("%nChart written to %s%n", o.png().toAbsolutePath());
        }
    }

    private static final String USER_FILTER = " AND (CAST(? AS text) IS NULL OR user_id = ?)";

    private static PreparedStatement period(Connection c, String sql, Options o) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setObject(1, o.from());
        ps.setObject(2, o.to());
        ps.setString(3, o.user());
        ps.setString(4, o.user());
        return ps;
    }

    static List<UserTotals> userTotals(Connection c, Options o) throws SQLException {
        String sql = "WITH u AS (SELECT user_id, sum(requests) AS requests, sum(completed) AS completed,"
                + " sum(rejected) AS rejected, sum(expired) AS expired, sum(failed) AS failed,"
                + " sum(cancelled) AS cancelled, sum(charged_tokens) AS charged_tokens"
                + " FROM usage_daily WHERE day BETWEEN ? AND ?" + USER_FILTER + " GROUP BY user_id),"
                + " k AS (SELECT user_id, sum(cost_usd) AS cost_usd, sum(unpriced_tokens) AS unpriced_tokens"
                + " FROM cost_daily WHERE day BETWEEN ? AND ?" + USER_FILTER + " GROUP BY user_id)"
                + " SELECT u.*, COALESCE(k.cost_usd, 0) AS cost_usd, COALESCE(k.unpriced_tokens, 0) AS unpriced_tokens"
                + " FROM u LEFT JOIN k USING (user_id) ORDER BY u.charged_tokens DESC, u.user_id";
        List<UserTotals> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int base : new int[] {0, 4}) {
                ps.setObject(base + 1, o.from());
                ps.setObject(base + 2, o.to());
                ps.setString(base + 3, o.user());
                ps.setString(base + 4, o.user());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new UserTotals(rs.getString("user_id"), rs.getLong("requests"), rs.getLong("completed"),
                            rs.getLong("rejected"), rs.getLong("expired"), rs.getLong("failed"),
                            rs.getLong("cancelled"), rs.getLong("charged_tokens"), rs.getBigDecimal("cost_usd"),
                            rs.getLong("unpriced_tokens")));
                }
            }
        }
        return out;
    }

    private static void printUsers(PrintStream out, Options o, List<UserTotals> users) {
        out.println(users.size() <= o.top() ? "Per user, by charged tokens"
                : "Per user, top " + o.top() + " of " + users.size() + " by charged tokens");
        if (users.isEmpty()) {
            out.println("  (no requests in this period)\n");
            return;
        }
        TextTable t = new TextTable("user", ">requests", ">completed", ">rejected", ">expired", ">failed",
                ">cancelled", ">tokens charged", ">cost (USD)");
        long[] sum = new long[7];
        BigDecimal cost = BigDecimal.ZERO;
        long unpriced = 0;
        for (int i = 0; i < users.size(); i++) {
            UserTotals u = users.get(i);
            long[] v = {u.requests(), u.completed(), u.rejected(), u.expired(), u.failed(), u.cancelled(), u.chargedTokens()};
            for (int k = 0; k < v.length; k++) {
                sum[k] += v[k];
            }
            cost = cost.add(u.costUsd());
            unpriced += u.unpricedTokens();
            if (i < o.top()) {
                t.row(u.userId(), n(v[0]), n(v[1]), n(v[2]), n(v[3]), n(v[4]), n(v[5]), n(v[6]),
                        usd(u.costUsd()) + (u.unpricedTokens() > 0 ? "*" : ""));
            }
        }
        if (users.size() > 1) {
            t.separator().row("total (" + users.size() + " users)", n(sum[0]), n(sum[1]), n(sum[2]), n(sum[3]),
                    n(sum[4]), n(sum[5]), n(sum[6]), usd(cost) + (unpriced > 0 ? "*" : ""));
        }
        out.print(t.render());
        if (unpriced > 0) {
            out.printf("* %s charged tokens had no price in model_prices and are not in the cost%n", n(unpriced));
        }
        out.println();
    }

    private static void printRejections(PrintStream out, Connection c, Options o) throws SQLException {
        String sql = "SELECT status, error_code, user_id, sum(requests) AS requests, sum(input_tokens) AS input_tokens"
                + " FROM rejections_daily WHERE day BETWEEN ? AND ?" + USER_FILTER
                + " GROUP BY status, error_code, user_id"
                + " ORDER BY status <> 'rejected', status, error_code, sum(requests) DESC, user_id";
        TextTable t = new TextTable("status", "reason", "user", ">requests", ">input tokens");
        int shown = 0;
        int hidden = 0;
        long hiddenRequests = 0;
        Map<String, Integer> perReason = new LinkedHashMap<>();
        try (PreparedStatement ps = period(c, sql, o); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String key = rs.getString("status") + "/" + rs.getString("error_code");
                int rank = perReason.merge(key, 1, Integer::sum);
                if (rank <= o.top()) {
                    t.row(rs.getString("status"), rs.getString("error_code"), rs.getString("user_id"),
                            n(rs.getLong("requests")), n(rs.getLong("input_tokens")));
                    shown++;
                } else {
                    hidden++;
                    hiddenRequests += rs.getLong("requests");
                }
            }
        }
        out.println("Requests that did not complete, by reason and user");
        if (shown == 0) {
            out.println("  (none)\n");
            return;
        }
        out.print(t.render());
        if (hidden > 0) {
            out.printf("(%d more user rows with %s requests; at most %d users per reason are listed)%n",
                    hidden, n(hiddenRequests), o.top());
        }
        out.println();
    }

    private static void printLatency(PrintStream out, Connection c, Options o) throws SQLException {
        // Percentiles of different hours cannot be merged, so the period is summarised from
        // latency_hourly: the median of the hourly p50s and the worst hourly p95/p99. It covers
        // all users (latency is per model); --user does not narrow it.
        String sql = "SELECT model, sum(completed) AS completed,"
                + " round(sum(avg_ms * completed) / sum(completed), 1) AS avg_ms,"
                + " percentile_cont(0.5) WITHIN GROUP (ORDER BY p50_ms) AS median_p50,"
                + " max(p95_ms) AS worst_p95, max(p99_ms) AS worst_p99, max(max_ms) AS max_ms"
                + " FROM latency_hourly WHERE hour >= ? AND hour < ? GROUP BY model ORDER BY model";
        TextTable t = new TextTable("model", ">completed", ">avg ms", ">median hourly p50", ">worst hourly p95",
                ">worst hourly p99", ">max ms");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, o.from().atStartOfDay().atOffset(ZoneOffset.UTC));
            ps.setObject(2, o.to().plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    t.row(rs.getString("model"), n(rs.getLong("completed")), ms(rs.getDouble("avg_ms")),
                            ms(rs.getDouble("median_p50")), ms(rs.getDouble("worst_p95")),
                            ms(rs.getDouble("worst_p99")), n(rs.getLong("max_ms")));
                }
            }
        }
        out.println("Latency of completed requests per model, all users (submission to completion)");
        out.print(t.size() == 0 ? "  (no completed requests)\n" : t.render());
        out.println();
    }

    private static void printDaily(PrintStream out, Connection c, Options o) throws SQLException {
        String sql = "SELECT u.day, u.user_id, u.model, u.requests, u.completed, u.rejected, u.expired, u.failed,"
                + " u.cancelled, u.charged_tokens, COALESCE(k.cost_usd, 0) AS cost_usd"
                + " FROM usage_daily u LEFT JOIN cost_daily k USING (day, user_id, model)"
                + " WHERE u.day BETWEEN ? AND ? AND (CAST(? AS text) IS NULL OR u.user_id = ?)"
                + " ORDER BY u.day, u.user_id, u.model";
        TextTable t = new TextTable("day", "user", "model", ">requests", ">completed", ">rejected", ">expired",
                ">failed", ">cancelled", ">tokens charged", ">cost (USD)");
        try (PreparedStatement ps = period(c, sql, o); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                t.row(rs.getObject("day", LocalDate.class), rs.getString("user_id"), rs.getString("model"),
                        n(rs.getLong("requests")), n(rs.getLong("completed")), n(rs.getLong("rejected")),
                        n(rs.getLong("expired")), n(rs.getLong("failed")), n(rs.getLong("cancelled")),
                        n(rs.getLong("charged_tokens")), usd(rs.getBigDecimal("cost_usd")));
            }
        }
        out.println("Per day, user and model");
        out.print(t.size() == 0 ? "  (none)\n" : t.render());
        out.println();
    }

    static Map<String, Map<LocalDate, Long>> dailyTokens(Connection c, Options o) throws SQLException {
        String sql = "SELECT day, user_id, sum(charged_tokens) AS tokens FROM usage_daily"
                + " WHERE day BETWEEN ? AND ?" + USER_FILTER + " GROUP BY day, user_id";
        Map<String, Map<LocalDate, Long>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = period(c, sql, o); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.computeIfAbsent(rs.getString("user_id"), k -> new LinkedHashMap<>())
                        .put(rs.getObject("day", LocalDate.class), rs.getLong("tokens"));
            }
        }
        return out;
    }

    static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    static String usd(BigDecimal v) {
        return v == null ? "" : String.format(Locale.ROOT, "%,.4f", v.setScale(4, RoundingMode.HALF_UP));
    }

    private static String ms(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%,.1f", v);
    }
}
