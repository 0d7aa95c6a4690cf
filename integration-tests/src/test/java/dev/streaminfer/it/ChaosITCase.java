package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.localstack.ServiceControl;
import dev.streaminfer.localstack.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos run ({@code bin/chaos}; a short mode runs in {@code bin/test}). A steady, bounded load
 * goes through the real API while faults are injected one after another: a TaskManager killed,
 * PostgreSQL stopped, Redis stopped, the Kafka broker restarted, poison and maximum-size records,
 * and a full restart (API and job stopped with a savepoint, every service restarted, all resumed).
 *
 * <p>Afterwards every acknowledged request is checked against sources independent of the job's
 * own bookkeeping: its PostgreSQL row, its Redis document and its records in the
 * {@code read_committed} results topic must each exist once and agree on the status and the
 * charge; a completed request must be charged exactly its input tokens as this test counts them
 * with the model's tokenizer from the texts it sent; per user, PostgreSQL's charged tokens must
 * equal the job's quota state as its usage document shows it. Any 5xx but a 503 is unexpected.
 * The matrix (fault x lost / doubled / double-charged / mismatched / unexpected 5xx) is printed
 * and written to {@code target/chaos/chaos.json}.
 */
class ChaosITCase extends PipelineITCaseBase {

    /** {@code full}: 30 s outages, as bin/chaos runs it; anything else: the short CI mode. */
    private static final boolean FULL = "full".equals(System.getProperty("streaminfer.chaos.mode"));
    private static final Duration OUTAGE = FULL ? Duration.ofSeconds(30) : Duration.ofSeconds(8);
    private static final Duration SETTLE = FULL ? Duration.ofSeconds(20) : Duration.ofSeconds(5);
    private static final int USERS = 4;
    private static final long LOAD_PERIOD_MS = 200;

    private static final List<String> COLUMNS = List.of("acknowledged", "lost", "doubled", "double_charged",
            "mismatched", "unexpected_5xx", "restarts", "unexpected_restarts");
    /** Phases that take the job or a service it writes to away: the job may fail over in them, and only in them. */
    private static final Set<String> FAULTS_THAT_MAY_RESTART = Set.of("taskmanager killed", "postgresql stopped",
            "redis stopped", "kafka broker restarted", "full restart");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Random random = new Random(42);
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> unexpected5xx = new ConcurrentHashMap<>();
    /** What each non-zero cell stands for: request ids and the sink that disagreed, per-user totals. */
    private final List<String> findings = new CopyOnWriteArrayList<>();
    private volatile String phase = "steady load";
    /** When each phase began (epoch ms), in order. */
    private final Map<String, Long> phaseStarts = new LinkedHashMap<>();
    private volatile int apiPort;

    /** One acknowledged request: who sent it, what, and during which fault. */
    private record Sent(String phase, String userId, String requestId, List<String> inputs) {}

    @TempDir
    Path savepoints;

    @Test
    void everyAcknowledgedRequestHasOneOutcomeEverywhereAfterEveryFault(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        ServiceControl control = TestServices.get().control();
        try (PipelineFixture fixture = new PipelineFixture()) {
            List<String[]> users = users(fixture);
            fixture.startJob();
            apiPort = fixture.startApi().port();
            ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
            load.scheduleAtFixedRate(() -> sendOne(users, List.of(randomText())), 0, LOAD_PERIOD_MS, TimeUnit.MILLISECONDS);
            List<String> phases = new ArrayList<>();
            try {
                run(phases, "steady load", () -> {});
                run(phases, "taskmanager killed", () -> {
                    cluster.terminateTaskManager(0).get();
                    Thread.sleep(SETTLE.toMillis());
                    cluster.startTaskManager();
                });
                run(phases, "postgresql stopped", () -> outage(control::stopPostgres, control::startPostgres));
                run(phases, "redis stopped", () -> outage(control::stopRedis, control::startRedis));
                run(phases, "kafka broker restarted", () -> outage(control::stopKafka, control::startKafka));
                run(phases, "poison and maximum-size records", () -> {
                    for (String poison : List.of("not json", "{}", "[]", "{\"request_id\":1}", "null")) {
                        fixture.produce(fixture.requestsTopic, "u".getBytes(StandardCharsets.UTF_8),
                                poison.getBytes(StandardCharsets.UTF_8));
                    }
                    List<String> maximum = new ArrayList<>();
                    for (int i = 0; i < 256; i++) {
                        maximum.add("maximum size request, input " + i);
                    }
                    sendOne(users, maximum);
                });
                run(phases, "full restart", () -> {
                    fixture.stopApi();
                    String savepoint = fixture.stopJobWithSavepoint(savepoints);
                    control.stopKafka();
                    control.stopPostgres();
                    control.stopRedis();
                    control.startKafka();
                    control.startPostgres();
                    control.startRedis();
                    fixture.startJob(savepoint);
                    apiPort = fixture.startApi().port();
                });
            } finally {
                load.shutdownNow();
                load.awaitTermination(10, TimeUnit.SECONDS);
                control.startKafka();
                control.startPostgres();
                control.startRedis();
            }

            Map<String, Map<String, Integer>> matrix = check(fixture, phases);
            countRestarts(fixture.failovers(cluster), matrix);
            report(matrix);
            for (Map.Entry<String, Map<String, Integer>> row : matrix.entrySet()) {
                assertThat(row.getValue()).as(row.getKey())
                        .containsEntry("lost", 0).containsEntry("doubled", 0).containsEntry("double_charged", 0)
                        .containsEntry("mismatched", 0).containsEntry("unexpected_5xx", 0)
                        .containsEntry("unexpected_restarts", 0);
            }
            assertThat(matrix.values().stream().mapToInt(r -> r.get("acknowledged")).sum())
                    .as("requests acknowledged in all").isGreaterThan(phases.size() * 5);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private void run(List<String> phases, String name, Step fault) throws Exception {
        phase = name;
        phases.add(name);
        phaseStarts.put(name, System.currentTimeMillis());
        fault.run();
        Thread.sleep(SETTLE.toMillis());
    }

    private static void outage(Runnable stop, Runnable start) throws InterruptedException {
        stop.run();
        try {
            Thread.sleep(OUTAGE.toMillis());
        } finally {
            start.run();
        }
    }

    /** USERS users on the pro plan, as {userId, apiKey}. */
    private static List<String[]> users(PipelineFixture fixture) {
        List<String[]> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            String userId = fixture.userId + "-chaos-" + i;
            String key = "chaos-key-" + UUID.randomUUID();
            ApiKeyStore.upsert(fixture.services.postgresUrl(), fixture.services.postgresUser(),
                    fixture.services.postgresPassword(), key, userId, "user", "pro");
            users.add(new String[] {userId, key});
        }
        return users;
    }

    private String randomText() {
        String[] words = {"stream", "flink", "quota", "kafka", "ünïcode", "embedding", "batch", "replay", "state"};
        StringBuilder text = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(12); i < n; i++) {
            text.append(words[random.nextInt(words.length)]).append(' ');
        }
        return text.toString().trim();
    }

    /** Sends one request as a random user; remembers it if the API acknowledged it. */
    private void sendOne(List<String[]> users, List<String> inputs) {
        String[] user = users.get(random.nextInt(users.size()));
        String currentPhase = phase;
        try {
            ObjectNode body = json.createObjectNode();
            ArrayNode array = body.putArray("inputs");
            inputs.forEach(array::add);
            body.put("timeout_ms", 3_600_000);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + apiPort + "/v1/inference"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + user[1]).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 202) {
                sent.add(new Sent(currentPhase, user[0], json.readTree(response.body()).path("request_id").asText(),
                        inputs));
            } else if (response.statusCode() >= 500 && response.statusCode() != 503) {
                unexpected5xx.merge(currentPhase, 1, Integer::sum);
            }
        } catch (Exception e) {
            // connection refused while the API restarts: nothing was acknowledged
        }
    }

    /** The matrix: {@link OneOutcome}'s findings counted per phase, users' totals in a row of their own. */
    private Map<String, Map<String, Integer>> check(PipelineFixture fixture, List<String> phases)
            throws Exception {
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        Map<String, String> senders = new HashMap<>();
        Map<String, String> phaseOf = new HashMap<>();
        for (Sent s : sent) {
            inputs.put(s.requestId(), s.inputs());
            senders.put(s.requestId(), s.userId());
            phaseOf.put(s.requestId(), s.phase());
        }
        OneOutcome.Outcomes outcomes = OneOutcome.check(fixture, inputs, senders, Duration.ofSeconds(240));

        Map<String, Map<String, Integer>> matrix = new LinkedHashMap<>();
        for (String name : phases) {
            matrix.put(name, emptyRow());
            matrix.get(name).put("unexpected_5xx", unexpected5xx.getOrDefault(name, 0));
        }
        String allFaults = "per-user totals (all faults)";
        matrix.put(allFaults, emptyRow());
        sent.forEach(s -> matrix.get(s.phase()).merge("acknowledged", 1, Integer::sum));
        for (OneOutcome.Finding finding : outcomes.findings()) {
            String row = finding.requestId() == null ? allFaults : phaseOf.get(finding.requestId());
            matrix.get(row).merge(finding.kind().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            findings.add(finding.toString());
        }
        return matrix;
    }

    private static Map<String, Integer> emptyRow() {
        Map<String, Integer> row = new LinkedHashMap<>();
        COLUMNS.forEach(c -> row.put(c, 0));
        return row;
    }

    /** Each failover in the phase it happened in; unexpected where no fault could cause it. */
    private void countRestarts(List<PipelineFixture.Failover> failovers, Map<String, Map<String, Integer>> matrix) {
        for (PipelineFixture.Failover failover : failovers) {
            String in = null;
            for (Map.Entry<String, Long> start : phaseStarts.entrySet()) {
                if (start.getValue() <= failover.at()) {
                    in = start.getKey();
                }
            }
            if (in == null) {
                in = phaseStarts.keySet().iterator().next();
            }
            matrix.get(in).merge("restarts", 1, Integer::sum);
            if (!FAULTS_THAT_MAY_RESTART.contains(in)) {
                matrix.get(in).merge("unexpected_restarts", 1, Integer::sum);
                findings.add("restart during " + in + ": " + failover.exception());
            }
        }
    }

    private void report(Map<String, Map<String, Integer>> matrix) throws Exception {
        StringBuilder table = new StringBuilder(String.format("%nchaos run (%s mode, outages %d s)%n%-34s",
                FULL ? "full" : "short", OUTAGE.toSeconds(), "fault"));
        COLUMNS.forEach(c -> table.append(String.format(" %15s", c)));
        matrix.forEach((fault, row) -> {
            table.append(String.format("%n%-34s", fault));
            COLUMNS.forEach(c -> table.append(String.format(" %15d", row.get(c))));
        });
        findings.forEach(f -> table.append(String.format("%n  %s", f)));
        System.out.println(table);
        Path out = Path.of("target", "chaos", "chaos.json");
        Files.createDirectories(out.getParent());
        ObjectNode doc = json.createObjectNode();
        doc.put("mode", FULL ? "full" : "short");
        doc.put("outage_seconds", OUTAGE.toSeconds());
        doc.set("matrix", json.valueToTree(matrix));
        doc.set("findings", json.valueToTree(findings));
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    }
}
