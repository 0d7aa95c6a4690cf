package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.localstack.ServiceControl;
import dev.streaminfer.localstack.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Nothing lost, nothing doubled: a stream of requests with a failure injected in the middle
 * (a TaskManager killed, PostgreSQL or Redis stopped), then every sink is checked for exactly
 * one outcome per request.
 */
class DeliveryUnderFailureITCase extends PipelineITCaseBase {

    private static final int REQUESTS = 40;

    @Test
    void taskManagerFailureLosesAndDuplicatesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            List<String> ids = new ArrayList<>(fixture.produceRequests(REQUESTS / 2, 4, "before"));
            awaitSomeRows(fixture, ids);

            cluster.terminateTaskManager(0).get();
            ids.addAll(fixture.produceRequests(REQUESTS / 2, 4, "during"));
            cluster.startTaskManager();

            assertExactlyOneOutcomeEverywhere(fixture, ids);
        }
    }

    /**
     * Decisions that read the wall clock (deadlines) or Redis (cancellations) may come out
     * differently when the job replays after a failure; every sink and the quota state must still
     * agree on one outcome, and only completed requests cost anything.
     */
    @Test
    void deadlinesAndCancellationsAroundATaskManagerFailureEndTheSameEverywhere(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            fixture.startApi();
            List<String> before = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                before.add(submit(fixture, "before the failure " + i, i % 2 == 0 ? 1_500 : 600_000));
            }
            awaitSomeRows(fixture, before);

            cluster.terminateTaskManager(0).get();
            List<String> cancelled = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = submit(fixture, "during the failure " + i, i % 3 == 0 ? 1_500 : 600_000);
                if (i % 3 == 1) {
                    int status = fixture.delete("/v1/requests/" + id).statusCode();
                    assertThat(status).as("cancel of %s", id).isIn(202, 409);
                    cancelled.add(id);
                }
            }
            Thread.sleep(3_000);
            cluster.startTaskManager();

            Map<String, String> statuses = OneOutcome.assertEverywhere(fixture, fixture.inputs);
            assertThat(statuses.values()).as("some deadlines passed during the failure").contains("expired");
            assertThat(cancelled).as("cancels sent while nothing could be computed")
                    .anyMatch(id -> statuses.get(id).equals("cancelled"));
        }
    }

    /** One text through the API with a deadline {@code timeoutMs} away; remembered for the check. */
    private static String submit(PipelineFixture fixture, String text, long timeoutMs) throws Exception {
        var response = fixture.post("/v1/inference",
                "{\"inputs\":[\"" + text + "\"],\"timeout_ms\":" + timeoutMs + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String id = fixture.json(response.body()).path("request_id").asText();
        fixture.inputs.put(id, List.of(text));
        return id;
    }

    @Test
    void postgresOutageOfThirtySecondsLosesNothing() throws Exception {
        ServiceControl control = TestServices.get().control();
        survivesOutage(control::stopPostgres, control::startPostgres, Duration.ofSeconds(30));
    }

    @Test
    void redisOutageLosesNothing() throws Exception {
        ServiceControl control = TestServices.get().control();
        survivesOutage(control::stopRedis, control::startRedis, Duration.ofSeconds(10));
    }

    /** Half the requests before the outage, half during it; then every sink must hold each once. */
    private static void survivesOutage(Runnable stop, Runnable start, Duration outage) throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            List<String> ids = new ArrayList<>(fixture.produceRequests(REQUESTS / 2, 4, "before"));
            awaitSomeRows(fixture, ids);

            stop.run();
            try {
                ids.addAll(fixture.produceRequests(REQUESTS / 2, 4, "during"));
                Thread.sleep(outage.toMillis());
            } finally {
                start.run();
            }

            assertExactlyOneOutcomeEverywhere(fixture, ids);
        }
    }

    @Test
    void poisonFloodIsDeadLetteredWhileEveryGoodRequestCompletes() throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            List<String> poison = List.of("not json", "{\"request_id\":1}", "[]", "{\"request_id\":\"x\",\"user_id\":\"u\",\"inputs\":[]}",
                    "{\"request_id\":\"x\",\"user_id\":\"u\",\"model\":\"gpt-17\",\"inputs\":[\"a\"]}", "{}", "null", "\"\"");
            List<String> ids = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (String p : poison) {
                    fixture.produce(fixture.requestsTopic, "u".getBytes(StandardCharsets.UTF_8), p.getBytes(StandardCharsets.UTF_8));
                }
                ids.addAll(fixture.produceRequests(5, 2, "good round " + round));
            }
            int poisonCount = poison.size() * 4;

            assertExactlyOneOutcomeEverywhere(fixture, ids);
            List<ConsumerRecord<byte[], byte[]>> dead = fixture.consume(fixture.dlqTopic,
                    records -> records.size() >= poisonCount, Duration.ofSeconds(60));
            assertThat(dead).hasSize(poisonCount);
            assertThat(dead).allSatisfy(r -> assertThat(r.headers().lastHeader("dlq.reason")).isNotNull());
        }
    }

    private static void awaitSomeRows(PipelineFixture fixture, List<String> ids) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (fixture.finalRows(ids).size() < ids.size() / 2) {
            if (System.nanoTime() > deadline) throw new AssertionError("the job made no progress");
            Thread.sleep(200);
        }
    }

    /** Every request computed, once everywhere, charged what its texts cost. */
    private static void assertExactlyOneOutcomeEverywhere(PipelineFixture fixture, List<String> ids) throws Exception {
        assertThat(fixture.inputs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(OneOutcome.assertEverywhere(fixture, fixture.inputs).values()).containsOnly("completed");
    }
}
