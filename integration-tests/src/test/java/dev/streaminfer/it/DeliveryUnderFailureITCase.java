package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.localstack.ServiceControl;
import dev.streaminfer.localstack.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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
        while (fixture.rowCounts(ids).size() < ids.size() / 2) {
            if (System.nanoTime() > deadline) throw new AssertionError("the job made no progress");
            Thread.sleep(200);
        }
    }

    private static void assertExactlyOneOutcomeEverywhere(PipelineFixture fixture, List<String> ids) throws Exception {
        Map<String, Long> rows = fixture.awaitFinalRows(ids, Duration.ofSeconds(180));
        assertThat(rows.values()).as("rows per request").containsOnly(1L);
        for (String id : ids) {
            assertThat(fixture.awaitResultRow(id, Duration.ofSeconds(5)).status()).isEqualTo("completed");
        }

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String> missingInRedis = ids;
        while (!missingInRedis.isEmpty() && System.nanoTime() < deadline) {
            missingInRedis = ids.stream().filter(id -> fixture.redisGet(RedisKeys.result(id)) == null).toList();
            Thread.sleep(200);
        }
        assertThat(missingInRedis).as("requests without a Redis document").isEmpty();

        List<ConsumerRecord<byte[], byte[]>> results = fixture.consume(fixture.resultsTopic,
                records -> records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct().count() >= ids.size(),
                Duration.ofSeconds(90));
        Map<String, Long> perKey = results.stream().collect(Collectors.groupingBy(
                r -> new String(r.key(), StandardCharsets.UTF_8), Collectors.counting()));
        assertThat(perKey.keySet()).containsAll(ids);
        assertThat(perKey).as("committed results per request id").allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
    }
}
