package dev.streaminfer.contract.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InferenceRequestCodecTest {

    private static final long T0 = java.time.Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    private static InferenceRequestCodec.Decoded decode(String json) {
        return InferenceRequestCodec.decode(json.getBytes(StandardCharsets.UTF_8), "all-minilm-l6-v2-q", T0, null);
    }

    @Test
    void encodedRequestDecodesToTheSameRequest() {
        InferenceRequest original = new InferenceRequest("r-1", "alice", "bge-small-en-v15-q",
                new String[] {"héllo wörld", "second"}, Priority.HIGH, T0 + 5000, T0, 0, "00-abc-def-01");
        InferenceRequestCodec.Decoded decoded = InferenceRequestCodec.decode(
                InferenceRequestCodec.encode(original), "all-minilm-l6-v2-q", 0L, "00-abc-def-01");
        assertThat(decoded.isValid()).isTrue();
        assertThat(decoded.request()).isEqualTo(original);
    }

    @Test
    void criticalPriorityRoundTrips() {
        InferenceRequest original = new InferenceRequest("r-2", "alice", "all-minilm-l6-v2-q",
                new String[] {"now"}, Priority.CRITICAL, T0 + 5000, T0, 0, null);
        byte[] encoded = InferenceRequestCodec.encode(original);
        assertThat(new String(encoded, StandardCharsets.UTF_8)).contains("\"priority\":\"critical\"");
        assertThat(InferenceRequestCodec.decode(encoded, "all-minilm-l6-v2-q", 0L, null).request()).isEqualTo(original);
    }

    @Test
    void missingOptionalFieldsTakeDefaultsFromTheRecord() {
        InferenceRequestCodec.Decoded decoded = decode("{\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[\"a\"]}");
        assertThat(decoded.isValid()).isTrue();
        assertThat(decoded.request().model()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(decoded.request().priority()).isEqualTo(Priority.NORMAL);
        assertThat(decoded.request().submittedAt()).isEqualTo(T0);
        assertThat(decoded.request().deadline()).isEqualTo(T0 + 60_000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not json                 | {nope                                                          | not_json",
        "array instead of object  | [1,2]                                                          | wrong_type",
        "missing request_id       | {\"user_id\":\"u\",\"inputs\":[\"a\"]}                         | missing_field",
        "missing user_id          | {\"request_id\":\"r\",\"inputs\":[\"a\"]}                      | missing_field",
        "numeric user_id          | {\"request_id\":\"r\",\"user_id\":7,\"inputs\":[\"a\"]}        | wrong_type",
        "inputs not an array      | {\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":\"a\"}      | wrong_type",
        "input not a string       | {\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[1]}        | wrong_type",
        "missing inputs           | {\"request_id\":\"r\",\"user_id\":\"u\"}                       | missing_field",
        "bad priority             | {\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[\"a\"],\"priority\":\"urgent\"} | wrong_type",
        "negative deadline        | {\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[\"a\"],\"deadline\":-5}        | wrong_type",
        "fractional submitted_at  | {\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[\"a\"],\"submitted_at\":1.5}   | wrong_type",
        "huge number              | {\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[\"a\"],\"deadline\":1111111111111111111111111111111111111111111111111111111111111111111111} | not_json",
    })
    void malformedRecordsAreRefusedWithAReason(String description, String json, String expectedCode) {
        InferenceRequestCodec.Decoded decoded = decode(json);
        assertThat(decoded.isValid()).isFalse();
        assertThat(decoded.failure().code().code()).isEqualTo(expectedCode);
    }

    @Test
    void nestingDeeperThanTheLimitIsRefusedNotThrown() {
        String deep = "[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1);
        InferenceRequestCodec.Decoded decoded = decode("{\"request_id\":\"r\",\"user_id\":\"u\",\"inputs\":[\"a\"],\"x\":" + deep + "}");
        assertThat(decoded.failure().code()).isEqualTo(ErrorCode.NOT_JSON);
    }

    @Test
    void emptyValueIsRefused() {
        assertThat(InferenceRequestCodec.decode(new byte[0], "m", T0, null).failure().code())
                .isEqualTo(ErrorCode.NOT_JSON);
        assertThat(InferenceRequestCodec.decode(null, "m", T0, null).failure().code())
                .isEqualTo(ErrorCode.NOT_JSON);
    }

    @Test
    void toStringNeverShowsInputText() {
        assertThat(new InferenceRequest("r", "alice", "all-minilm-l6-v2-q", new String[] {"secret words"}, Priority.NORMAL,
                T0 + 60_000, T0, 0, null).toString()).doesNotContain("secret");
    }
}
