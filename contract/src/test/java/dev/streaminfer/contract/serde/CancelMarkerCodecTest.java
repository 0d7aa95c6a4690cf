package dev.streaminfer.contract.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.contract.model.CancelMarker;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CancelMarkerCodecTest {

    @Test
    void aCancelHasTheDocumentedShapeAndReadsBack() {
        CancelMarker marker = new CancelMarker("r-1", "alice", 1_764_000_000_000L);

        assertThat(CancelMarkerCodec.toJsonString(marker))
                .isEqualTo("{\"type\":\"cancel\",\"request_id\":\"r-1\",\"user_id\":\"alice\","
                        + "\"cancelled_at\":1764000000000}");
        assertThat(CancelMarkerCodec.decode(CancelMarkerCodec.encode(marker))).isEqualTo(marker);
    }

    @Test
    void onlyTheCancelHeaderValueMarksACancel() {
        assertThat(CancelMarkerCodec.isCancel("cancel".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(CancelMarkerCodec.isCancel("request".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(CancelMarkerCodec.isCancel(new byte[0])).isFalse();
        assertThat(CancelMarkerCodec.isCancel(null)).as("no header: a request").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "[]", "{\"oops\"", "{}",
        "{\"type\":\"request\",\"request_id\":\"r\",\"user_id\":\"u\",\"cancelled_at\":1}",
        "{\"type\":\"cancel\",\"user_id\":\"u\",\"cancelled_at\":1}",
        "{\"type\":\"cancel\",\"request_id\":\"\",\"user_id\":\"u\",\"cancelled_at\":1}",
        "{\"type\":\"cancel\",\"request_id\":\"r\",\"user_id\":7,\"cancelled_at\":1}",
        "{\"type\":\"cancel\",\"request_id\":\"r\",\"user_id\":\"u\",\"cancelled_at\":-1}",
        "{\"type\":\"cancel\",\"request_id\":\"r\",\"user_id\":\"u\",\"cancelled_at\":\"soon\"}",
        "{\"type\":\"cancel\",\"request_id\":\"r\",\"user_id\":\"u\",\"cancelled_at\":1.5}"
    })
    void anythingElseIsRefusedWithAReason(String json) {
        assertThatThrownBy(() -> CancelMarkerCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("null");
    }
}
