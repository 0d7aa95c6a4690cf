package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.quota.UsageDocument;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import dev.streaminfer.localstack.ServiceEndpoints;
import io.lettuce.core.SetArgs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/embeddings} over real Kafka, PostgreSQL and Redis, with the test playing the job
 * (it reads the request from Kafka and writes the result document as the job does). The real job
 * and real OpenAI clients: {@code OpenAiClientsITCase} in integration-tests.
 */
class EmbeddingsITCase {

    private final TestHttp http = SharedApi.http();

    /** A user of its own (a fresh quota), with its key. */
    private static String newUser(String prefix) {
        String user = prefix + "-" + UUID.randomUUID();
        ServiceEndpoints e = SharedApi.endpoints();
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), "k-" + user, user, "user", "pro");
        return user;
    }

    /** The job: answers the user's next request with vector {i, -i, i / 4} for input i. */
    private static CompletableFuture<InferenceRequest> completeNextRequestOf(String user) {
        TopicReader reader = new TopicReader(SharedApi.endpoints().kafkaBootstrapServers(), "inference-requests");
        return CompletableFuture.supplyAsync(() -> {
            try (reader) {
                List<ConsumerRecord<byte[], byte[]>> records = reader.await(
                        r -> user.equals(new String(r.key(), StandardCharsets.UTF_8)), 1, Duration.ofSeconds(15));
                InferenceRequest request = SubmitAndStatusITCase.decode(records.get(0));
                float[][] vectors = new float[request.inputs().length][];
                for (int i = 0; i < vectors.length; i++) {
                    vectors[i] = new float[] {i, -i, i / 4f};
                }
                InferenceResult result = new InferenceResult(request.requestId(), user, request.model(),
                        request.priority(), RequestStatus.COMPLETED, 11, 11, vectors, null, null, 0, request.submittedAt(),
                        System.currentTimeMillis(), null);
                SharedApi.redis().set(RedisKeys.result(request.requestId()),
                        ResultDocumentCodec.toJson(result).toString(), SetArgs.Builder.ex(600));
                return request;
            }
        });
    }

    @Test
    void an_array_input_is_one_request_through_kafka_answered_in_input_order() throws Exception {
        String user = newUser("emb");
        CompletableFuture<InferenceRequest> job = completeNextRequestOf(user);
        TestHttp.Response r = http.post("/v1/embeddings", "k-" + user,
                "{\"model\":\"all-minilm-l6-v2-q\",\"input\":[\"first\",\"second\",\"third\"],\"user\":\"mallory\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        InferenceRequest request = job.get();
        assertThat(request.userId()).as("the key's user, not the body's").isEqualTo(user);
        assertThat(request.inputs()).containsExactly("first", "second", "third");
        assertThat(r.header("X-Request-Id")).isEqualTo(request.requestId());
        JsonNode body = r.json();
        assertThat(body.path("object").asText()).isEqualTo("list");
        assertThat(body.path("model").asText()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(11);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(11);
        for (int i = 0; i < 3; i++) {
            assertThat(body.at("/data/" + i + "/index").asInt()).isEqualTo(i);
            assertThat(body.at("/data/" + i + "/embedding/1").floatValue()).isEqualTo(-i);
        }
        // the request is recorded like any other
        assertThat(http.get("/v1/requests/" + request.requestId(), "k-" + user).json().path("status").asText())
                .isEqualTo("completed");
    }

    @Test
    void base64_is_little_endian_float32_of_the_same_vector() throws Exception {
        String user = newUser("emb64");
        CompletableFuture<InferenceRequest> job = completeNextRequestOf(user);
        TestHttp.Response r = http.post("/v1/embeddings", "k-" + user,
                "{\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        job.get();
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(r.json().at("/data/1/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {b.getFloat(), b.getFloat(), b.getFloat()}).containsExactly(1f, -1f, 0.25f);
        assertThat(b.remaining()).isZero();
    }

    @Test
    void no_result_within_the_bound_is_504_with_the_request_id_and_the_request_goes_on() {
        String user = newUser("emb-slow");
        TestHttp.Response r = http.post("/v1/embeddings", "k-" + user, "{\"input\":\"nobody computes this\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(504);
        String id = r.header("X-Request-Id");
        assertThat(id).isNotBlank();
        assertThat(r.json().at("/error/code").asText()).isEqualTo("result_pending");
        assertThat(r.json().at("/error/type").asText()).isEqualTo("server_error");
        assertThat(r.json().at("/error/message").asText()).contains(id);
        assertThat(http.get("/v1/requests/" + id, "k-" + user).json().path("status").asText()).isEqualTo("queued");
    }

    @Test
    void errors_are_in_openai_s_shape_with_the_api_s_statuses() {
        String user = newUser("emb-err");
        String key = "k-" + user;

        TestHttp.Response unauthorized = http.post("/v1/embeddings", "wrong", "{\"input\":\"a\"}");
        assertThat(unauthorized.status()).isEqualTo(401);
        assertThat(unauthorized.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertOpenAiError(unauthorized, "authentication_error", "unauthorized", null);

        assertOpenAiError(http.post("/v1/embeddings", key, "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}"),
                "invalid_request_error", "unknown_model", "model");
        assertOpenAiError(http.post("/v1/embeddings", key, "{\"input\":[[1,2,3]]}"),
                "invalid_request_error", "invalid_request", "input");
        assertOpenAiError(http.post("/v1/embeddings", key, "{\"input\":\"a\",\"dimensions\":3}"),
                "invalid_request_error", "invalid_request", "dimensions");
        TestHttp.Response tooLarge = http.post("/v1/embeddings", key, "{\"input\":\"" + "a".repeat(1 << 20) + "\"}");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertOpenAiError(tooLarge, "invalid_request_error", "payload_too_large", null);

        SharedApi.redis().set(RedisKeys.usage(user), new UsageDocument(user, "pro", 10_000L, 200_000L, 0, 0L,
                System.currentTimeMillis() + 60_000).encode(), SetArgs.Builder.ex(60));
        TestHttp.Response spent = http.post("/v1/embeddings", key, "{\"input\":\"a\"}");
        assertThat(spent.status()).isEqualTo(429);
        assertThat(spent.header("Retry-After")).isNotNull();
        assertOpenAiError(spent, "rate_limit_error", "quota_exceeded", null);
    }

    private static void assertOpenAiError(TestHttp.Response r, String type, String code, String param) {
        JsonNode error = r.json().path("error");
        assertThat(error.path("type").asText()).as(r.body()).isEqualTo(type);
        assertThat(error.path("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(error.path("message").asText()).as(r.body()).isNotBlank();
        assertThat(error.has("param")).as(r.body()).isTrue();
        assertThat(error.path("param").isNull() ? null : error.path("param").asText()).as(r.body()).isEqualTo(param);
    }
}
