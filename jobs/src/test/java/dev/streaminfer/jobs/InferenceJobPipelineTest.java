package dev.streaminfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.quota.QuotaUpdate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The processing between source and sinks, on a MiniCluster, fed by a bounded source. */
class InferenceJobPipelineTest {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final long NOW = System.currentTimeMillis();

    private static RawRecord record(long offset, String json) {
        return new RawRecord("alice".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                "inference-requests", 0, offset, NOW, null);
    }

    /** A record with the cancel header: a cancel, however its value reads. */
    private static RawRecord cancel(long offset, String json) {
        return new RawRecord("alice".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                "inference-requests", 0, offset, NOW, null, true);
    }

    private static String request(String id, String user, String text, long deadline) {
        return "{\"request_id\":\"" + id + "\",\"user_id\":\"" + user + "\",\"inputs\":[\"" + text
                + "\"],\"submitted_at\":" + NOW + ",\"deadline\":" + deadline + "}";
    }

    /** More tokens in one request than the free plan's whole per-minute capacity (10,000). */
    private static String overQuota(String id, String user) {
        String input = "\"" + "token ".repeat(200) + "\"";
        String inputs = String.join(",", java.util.Collections.nCopies(60, input));
        return "{\"request_id\":\"" + id + "\",\"user_id\":\"" + user + "\",\"inputs\":[" + inputs
                + "],\"submitted_at\":" + NOW + ",\"deadline\":" + (NOW + 600_000) + "}";
    }

    /** Eight inputs: about 35 KB of vectors in JSON, over the 40,000-byte record limit this test sets. */
    private static String eightInputs(String id, String user) {
        String inputs = String.join(",", java.util.Collections.nCopies(8, "\"eight inputs in one request\""));
        return "{\"request_id\":\"" + id + "\",\"user_id\":\"" + user + "\",\"inputs\":[" + inputs
                + "],\"submitted_at\":" + NOW + ",\"deadline\":" + (NOW + 600_000) + "}";
    }

    @Test
    void goodRecordsCompletePoisonIsDeadLetteredOverQuotaIsRejectedPastDeadlineExpiresTooLargeFails() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<RawRecord> raw = env.fromData(TypeInformation.of(RawRecord.class),
                record(0, request("r-1", "alice", "hello world", NOW + 600_000)),
                record(1, "this is not json"),
                record(2, request("r-2", "bob", "streaming inference", NOW + 600_000)),
                record(3, "{\"request_id\":\"r-3\",\"user_id\":\"bob\",\"model\":\"nope\",\"inputs\":[\"x\"]}"),
                record(4, request("r-4", "bob", "too late", 1)),
                record(5, overQuota("r-5", "carol")),
                record(6, eightInputs("r-6", "dave")),
                cancel(7, "not a cancel"),
                cancel(8, "{\"type\":\"cancel\",\"request_id\":\"r-404\",\"user_id\":\"alice\","
                        + "\"cancelled_at\":" + NOW + "}"));

        DataStream<RawRecord> quotaUpdates = env.fromData(TypeInformation.of(RawRecord.class),
                new RawRecord("carol".getBytes(StandardCharsets.UTF_8), "garbage".getBytes(StandardCharsets.UTF_8),
                        "quota-updates", 0, 7, NOW, null));
        DataStream<RawRecord> refunds = env.fromData(TypeInformation.of(RawRecord.class),
                new RawRecord("bob".getBytes(StandardCharsets.UTF_8), "{\"type\":\"refund\"}".getBytes(StandardCharsets.UTF_8),
                        "quota-refunds", 1, 3, NOW, null));
        InferenceJob.Outputs outputs = InferenceJob.buildPipeline(raw, quotaUpdates, refunds,
                PipelineSettings.fromConfiguration(JobOptions.resolve(new String[] {
                        "--" + JobOptions.KAFKA_MAX_RECORD_BYTES.key(), "40000",
                        "--" + JobOptions.RECORD_LIMIT_REFRESH.key(), "0 s"}, Map.of())),
                ModelRegistry.bundled());
        CloseableIterator<InferenceResult> results = outputs.results().collectAsync();
        CloseableIterator<DeadLetter> deadLetters = outputs.deadLetters().collectAsync();
        CloseableIterator<QuotaUpdate> refundsOut = outputs.refunds().collectAsync();
        env.execute();

        List<InferenceResult> resultList = drain(results);
        List<DeadLetter> deadList = drain(deadLetters);
        List<QuotaUpdate> refundList = drain(refundsOut);

        assertThat(resultList).extracting(InferenceResult::requestId)
                .containsExactlyInAnyOrder("r-1", "r-2", "r-4", "r-5", "r-6");
        for (InferenceResult r : resultList) {
            if (r.requestId().equals("r-5")) {
                assertThat(r.status()).isEqualTo(RequestStatus.REJECTED);
                assertThat(r.errorCode()).isEqualTo("quota_exceeded");
                assertThat(r.chargedTokens()).isZero();
            } else if (r.requestId().equals("r-6")) {
                assertThat(r.status()).isEqualTo(RequestStatus.FAILED);
                assertThat(r.errorCode()).isEqualTo("result_too_large");
                assertThat(r.embeddings()).isNull();
                assertThat(r.chargedTokens()).isZero();
            } else if (r.requestId().equals("r-4")) {
                assertThat(r.status()).isEqualTo(RequestStatus.EXPIRED);
                assertThat(r.chargedTokens()).isZero();
            } else {
                assertThat(r.status()).isEqualTo(RequestStatus.COMPLETED);
                assertThat(r.embeddings()).hasNumberOfRows(1);
                assertThat(r.embeddings()[0]).hasSize(384);
                assertThat(r.chargedTokens()).isEqualTo(r.inputTokens()).isPositive();
            }
        }
        assertThat(deadList).extracting(DeadLetter::reason)
                .containsExactlyInAnyOrder("not_json", "unknown_model", "not_json", "missing_field", "result_too_large",
                        "invalid_request");
        assertThat(deadList).extracting(d -> d.source().topic() + "@" + d.source().offset())
                .containsExactlyInAnyOrder("inference-requests@1", "inference-requests@3", "quota-updates@7",
                        "quota-refunds@3", "inference-results@-1", "inference-requests@7");
        InferenceResult expired = resultList.stream().filter(r -> r.requestId().equals("r-4")).findFirst().orElseThrow();
        InferenceResult tooLarge = resultList.stream().filter(r -> r.requestId().equals("r-6")).findFirst().orElseThrow();
        assertThat(refundList).as("the expired and the too-large request's tokens go back, on the refunds stream")
                .containsExactlyInAnyOrder(QuotaUpdate.refund("bob", "r-4", expired.inputTokens(), NOW),
                        QuotaUpdate.refund("dave", "r-6", tooLarge.inputTokens(), NOW));
    }

    private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
        List<T> out = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(out::add);
        }
        return out;
    }
}
