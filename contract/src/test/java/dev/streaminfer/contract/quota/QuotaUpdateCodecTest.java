package dev.streaminfer.contract.quota;

import static dev.streaminfer.contract.TestRequests.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.contract.TestRequests;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuotaUpdateCodecTest {

    private static final long KAFKA_TIMESTAMP = T0 + 5;

    private static QuotaUpdateCodec.Decoded decode(String json) {
        return QuotaUpdateCodec.decode(json.getBytes(StandardCharsets.UTF_8), KAFKA_TIMESTAMP);
    }

    private static QuotaUpdate valid(String json) {
        QuotaUpdateCodec.Decoded decoded = decode(json);
        assertThat(decoded.failure()).as(json).isNull();
        return decoded.update();
    }

    @Test
    void planChangeWithEveryField() {
        assertThat(valid("""
                {"type":"plan","user_id":"alice","plan":"pro","tokens_per_minute":5000,
                 "tokens_per_day":70000,"updated_at":1795000000000}"""))
                .isEqualTo(QuotaUpdate.planChange("alice", "pro", 5_000L, 70_000L, 1_795_000_000_000L));
    }

    @Test
    void absentTypeIsAPlanChangeAndAbsentFieldsStayNull() {
        assertThat(valid("{\"user_id\":\"alice\",\"tokens_per_day\":1000}"))
                .isEqualTo(QuotaUpdate.planChange("alice", null, null, 1_000L, KAFKA_TIMESTAMP));
    }

    @Test
    void nullLimitMeansNoLimit() {
        assertThat(valid("{\"user_id\":\"alice\",\"tokens_per_minute\":null}").tokensPerMinute())
                .isEqualTo(QuotaPlan.NO_LIMIT);
    }

    @Test
    void planNameIsCaseInsensitiveAndUpdatedAtMayBeIso() {
        QuotaUpdate update = valid("{\"user_id\":\"alice\",\"plan\":\"PRO\",\"updated_at\":\"2026-11-22T10:00:00Z\"}");
        assertThat(update.plan()).isEqualTo("pro");
        assertThat(update.updatedAt()).isEqualTo(T0);
    }

    @Test
    void refund() {
        assertThat(valid("""
                {"type":"refund","user_id":"alice","request_id":"r-1","tokens":120,"submitted_at":1795000000000}"""))
                .isEqualTo(QuotaUpdate.refund("alice", "r-1", 120, 1_795_000_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not json                                                    | NOT_JSON      | not valid JSON
            []                                                          | WRONG_TYPE    | JSON object
            {"plan":"pro"}                                              | MISSING_FIELD | user_id is required
            {"user_id":7,"plan":"pro"}                                  | WRONG_TYPE    | user_id must be
            {"user_id":"alice"}                                         | MISSING_FIELD | at least one of
            {"user_id":"alice","type":"bonus","plan":"pro"}             | INVALID_REQUEST | type must be plan or refund
            {"user_id":"alice","plan":"gold"}                           | INVALID_REQUEST | plan must be one of
            {"user_id":"alice","tokens_per_day":-5}                     | WRONG_TYPE    | tokens_per_day must be
            {"user_id":"alice","tokens_per_day":1.5}                    | WRONG_TYPE    | tokens_per_day must be
            {"user_id":"alice","tokens_per_day":"100"}                  | WRONG_TYPE    | tokens_per_day must be
            {"user_id":"alice","tokens_per_minute":1000000000001}       | WRONG_TYPE    | tokens_per_minute must be
            {"user_id":"alice","plan":"pro","updated_at":"yesterday"}   | WRONG_TYPE    | updated_at must be
            {"type":"refund","user_id":"alice","tokens":1,"submitted_at":1} | MISSING_FIELD | request_id is required
            {"type":"refund","user_id":"alice","request_id":"r","submitted_at":1} | MISSING_FIELD | tokens is required
            {"type":"refund","user_id":"alice","request_id":"r","tokens":-1,"submitted_at":1} | WRONG_TYPE | tokens must be
            {"type":"refund","user_id":"alice","request_id":"r","tokens":1} | MISSING_FIELD | submitted_at is required
            """)
    void invalidMessagesAreFailuresNeverExceptions(String json, ErrorCode code, String message) {
        QuotaUpdateCodec.Decoded decoded = decode(json);

        assertThat(decoded.isValid()).isFalse();
        assertThat(decoded.failure().code()).isEqualTo(code);
        assertThat(decoded.failure().message()).contains(message);
    }

    @Test
    void emptyAndNullValuesAreFailures() {
        assertThat(QuotaUpdateCodec.decode(null, 0).failure().code()).isEqualTo(ErrorCode.NOT_JSON);
        assertThat(QuotaUpdateCodec.decode(new byte[0], 0).failure().code()).isEqualTo(ErrorCode.NOT_JSON);
    }

    @Test
    void encodedUpdatesDecodeToThemselves() {
        QuotaUpdate refund = QuotaUpdate.refund("alice", "r-1", 120, T0);
        QuotaUpdate plan = QuotaUpdate.planChange("alice", "free", QuotaPlan.NO_LIMIT, 9_000L, T0);

        assertThat(QuotaUpdateCodec.decode(QuotaUpdateCodec.encode(refund), 0).update()).isEqualTo(refund);
        assertThat(QuotaUpdateCodec.decode(QuotaUpdateCodec.encode(plan), 0).update()).isEqualTo(plan);
        assertThat(new String(QuotaUpdateCodec.encode(refund), StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"refund\",\"user_id\":\"alice\",\"request_id\":\"r-1\",\"tokens\":120,\"submitted_at\":" + T0 + "}");
    }

    @Test
    void bothKindsAreKeyedByUserAndRefundsGoToTheirOwnTopicNotTheCompactedOne() {
        QuotaUpdate plan = QuotaUpdate.planChange("alice", "pro", null, null, 0);
        QuotaUpdate refund = QuotaUpdate.refund("alice", "r-1", 1, T0);

        assertThat(QuotaUpdateCodec.kafkaKey(plan)).isEqualTo("alice");
        assertThat(QuotaUpdateCodec.kafkaKey(refund)).as("on the user's partition, no per-refund key kept for ever")
                .isEqualTo("alice");
        assertThat(QuotaUpdateCodec.topic(plan, "quota-updates", "quota-refunds")).isEqualTo("quota-updates");
        assertThat(QuotaUpdateCodec.topic(refund, "quota-updates", "quota-refunds")).isEqualTo("quota-refunds");
    }

    @Test
    void oneTopicForPlansAndRefundsIsRefusedBecauseCompactionWouldDropPlans() {
        assertThatThrownBy(() -> QuotaUpdateCodec.topic(QuotaUpdate.refund("alice", "r-1", 1, T0), "quota-updates",
                "quota-updates"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different topics");
    }

    @Test
    void refundIsOwedOnlyForExpiredFailedAndCancelledResults() {
        InferenceRequest request = TestRequests.request("r-1", "alice", "hello").withInputTokens(120);
        for (RequestStatus status : RequestStatus.values()) {
            InferenceResult result = status == RequestStatus.COMPLETED
                    ? InferenceResult.completed(request, new float[0][], 120, T0 + 10)
                    : InferenceResult.unsuccessful(request, status, ErrorCode.INFERENCE_FAILED, "x", 0, T0 + 10);
            boolean owed = status == RequestStatus.EXPIRED || status == RequestStatus.FAILED
                    || status == RequestStatus.CANCELLED;
            assertThat(QuotaUpdate.refundFor(result))
                    .as(status.wireName())
                    .isEqualTo(owed ? java.util.Optional.of(QuotaUpdate.refund("alice", "r-1", 120, T0))
                            : java.util.Optional.empty());
        }
    }
}
