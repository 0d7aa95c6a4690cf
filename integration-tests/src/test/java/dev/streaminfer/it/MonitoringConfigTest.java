package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The checked-in dashboard and alert rules query only metrics named in docs/metrics.md, which
 * {@code MetricsExportITCase} proves are exported; and the alerts the operators rely on exist.
 */
class MonitoringConfigTest {

    private static final Set<String> PROMQL_WORDS = Set.of(
            "sum", "max", "min", "avg", "count", "topk", "bottomk", "quantile", "stddev", "group",
            "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "histogram_quantile",
            "clamp_min", "clamp_max", "abs", "absent", "time", "vector", "scalar", "label_replace",
            "max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "changes", "resets",
            "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset");

    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final Path root = MetricsTable.repoRoot();
    private final Set<String> documented = MetricsTable.read().stream()
            .map(MetricsTable.Entry::name).collect(Collectors.toSet());

    /** Metric names in a PromQL expression: identifiers outside label matchers, ranges and strings. */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", " ")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = s.replaceAll("\\b\\d+(\\.\\d+)?([eE][+-]?\\d+)?\\b", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            if (!PROMQL_WORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }

    private boolean isDocumented(String name) {
        if (documented.contains(name)) {
            return true;
        }
        // Prometheus histograms and summaries expose name_bucket / name_count / name_sum.
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (name.endsWith(suffix) && documented.contains(name.substring(0, name.length() - suffix.length()))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void metricNamesAreExtractedFromPromql() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{route=\"/x\"}[5m])))"))
                .containsExactly("a_seconds_bucket");
        assertThat(metricNames("max(x_lag) > 1000 and deriv(max(x_lag)[15m:1m]) > 0 or on(job) y_total"))
                .containsExactly("x_lag", "y_total");
    }

    @Test
    void alertsQueryOnlyDocumentedMetrics() throws Exception {
        List<String> lines = Files.readAllLines(root.resolve("monitoring/prometheus-alerts.yaml"));
        List<String> exprs = new ArrayList<>();
        Set<String> alerts = new LinkedHashSet<>();
        for (String line : lines) {
            String t = line.trim();
            if (t.startsWith("expr:")) {
                String expr = t.substring("expr:".length()).trim();
                assertThat(expr).as("single-line expr").doesNotStartWith("|").doesNotStartWith(">").isNotEmpty();
                exprs.add(expr);
            } else if (t.startsWith("- alert:")) {
                alerts.add(t.substring("- alert:".length()).trim());
            }
        }
        assertThat(alerts).contains("QuotaRejectionSpike", "InferenceLatencyP99High", "ConsumerLagGrowing",
                "DlqGrowth", "CheckpointFailures");
        assertThat(exprs).hasSameSizeAs(alerts);
        assertQueriesDocumented("alerts", exprs);
    }

    @Test
    void dashboardQueriesOnlyDocumentedMetrics() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(root.resolve("monitoring/grafana-dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        assertThat(exprs).hasSizeGreaterThan(10);
        assertQueriesDocumented("dashboard", exprs);
    }

    private void assertQueriesDocumented(String what, List<String> exprs) {
        List<String> unknown = new ArrayList<>();
        int names = 0;
        for (String expr : exprs) {
            Set<String> queried = metricNames(expr);
            assertThat(queried).as("metrics in %s expr %s", what, expr).isNotEmpty();
            names += queried.size();
            for (String name : queried) {
                if (!isDocumented(name)) {
                    unknown.add(name + "  (in " + expr + ")");
                }
            }
        }
        assertThat(unknown).as("%s queries metrics missing from docs/metrics.md", what).isEmpty();
        assertThat(names).isPositive();
    }
}
