package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.functions.sink.kafka.DeadLetterSerializer;
import dev.streaminfer.contract.redis.RedisKeys;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP POST → Kafka → the job on a MiniCluster → PostgreSQL, Redis, results topic → HTTP GET. */
class EndToEndITCase extends PipelineITCaseBase {

    private static PipelineFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new PipelineFixture();
        fixture.startJob();
        fixture.startApi();
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @Test
    void acceptedRequestCompletesInEverySink() throws Exception {
        HttpResponse<String> accepted = fixture.post("/v1/inference",
                "{\"inputs\":[\"Flink keeps state exactly once.\",\"Kafka is a log.\"],\"priority\":\"high\"}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String requestId = fixture.json(accepted.body()).path("request_id").asText();
        assertThat(fixture.json(accepted.body()).path("status").asText()).isEqualTo("queued");

        JsonNode doc = fixture.awaitFinal(requestId, Duration.ofSeconds(90));
        assertThat(doc.path("status").asText()).isEqualTo("completed");
        assertThat(doc.path("user_id").asText()).isEqualTo(fixture.userId);
        assertThat(doc.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(doc.path("priority").asText()).isEqualTo("high");
        assertThat(doc.at("/result/embeddings").size()).isEqualTo(2);
        assertThat(doc.at("/result/embeddings/0").size()).isEqualTo(384);
        long tokens = ReferenceTokens.count(List.of("Flink keeps state exactly once.", "Kafka is a log."));
        assertThat(doc.at("/usage/input_tokens").asLong()).isEqualTo(tokens);
        assertThat(doc.at("/usage/charged_tokens").asLong()).isEqualTo(tokens);

        PipelineFixture.Row row = fixture.awaitResultRow(requestId, Duration.ofSeconds(30));
        assertThat(row.status()).isEqualTo("completed");
        assertThat(row.userId()).isEqualTo(fixture.userId);
        assertThat(row.chargedTokens()).isEqualTo(tokens);
        assertThat(row.priority()).isEqualTo("high");
        assertThat(row.latencyMs()).isNotNegative();

        assertThat(fixture.json(fixture.redisGet(RedisKeys.result(requestId))).path("status").asText())
                .isEqualTo("completed");

        List<ConsumerRecord<byte[], byte[]>> results = fixture.consume(fixture.resultsTopic,
                records -> records.stream().anyMatch(r -> requestId.equals(key(r))), Duration.ofSeconds(60));
        List<ConsumerRecord<byte[], byte[]>> ours = results.stream().filter(r -> requestId.equals(key(r))).toList();
        assertThat(ours).as("committed results of the request").hasSize(1);
        ConsumerRecord<byte[], byte[]> result = ours.get(0);
        JsonNode committed = fixture.json(new String(result.value(), StandardCharsets.UTF_8));
        assertThat(committed.at("/result/embeddings/1").size()).isEqualTo(384);
        assertThat(committed.path("priority").asText()).isEqualTo("high");
    }

    @Test
    void poisonRecordGoesToTheDlqAndTheJobKeepsRunning() throws Exception {
        byte[] poison = "{\"request_id\": 42, \"inputs\": \"oops\"".getBytes(StandardCharsets.UTF_8);
        fixture.produce(fixture.requestsTopic, fixture.userId.getBytes(StandardCharsets.UTF_8), poison);

        List<ConsumerRecord<byte[], byte[]>> dead = fixture.consume(fixture.dlqTopic,
                records -> !records.isEmpty(), Duration.ofSeconds(60));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(poison);
        assertThat(header(dead.get(0), DeadLetterSerializer.REASON)).isEqualTo("not_json");
        assertThat(header(dead.get(0), DeadLetterSerializer.SOURCE_TOPIC)).isEqualTo(fixture.requestsTopic);
        assertThat(header(dead.get(0), DeadLetterSerializer.SOURCE_OFFSET)).matches("\\d+");

        HttpResponse<String> accepted = fixture.post("/v1/inference", "{\"inputs\":[\"still alive?\"]}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode doc = fixture.awaitFinal(fixture.json(accepted.body()).path("request_id").asText(), Duration.ofSeconds(60));
        assertThat(doc.path("status").asText()).isEqualTo("completed");
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
