package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaUpdate;

import static dev.streaminfer.functions.quota.QuotaTestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.decode.DecodeFunction;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class QuotaUpdateDecodeFunctionTest {

    private static RawRecord record(String json, long timestamp) {
        return new RawRecord("alice".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                "quota-updates", 0, 7, timestamp, null);
    }

    @Test
    void validUpdatesGoOnAndInvalidOnesAreDeadLettered() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, QuotaUpdate> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new QuotaUpdateDecodeFunction())) {
            RawRecord bad = record("{\"user_id\":\"alice\",\"plan\":\"gold\"}", T0);
            harness.processElement(record("{\"user_id\":\"alice\",\"plan\":\"pro\"}", T0), T0);
            harness.processElement(bad, T0);

            assertThat(harness.extractOutputValues())
                    .as("the record timestamp stands in for a missing updated_at")
                    .containsExactly(QuotaUpdate.planChange("alice", "pro", null, null, T0));
            assertThat(harness.getSideOutput(DecodeFunction.DEAD_LETTERS)).extracting(StreamRecord::getValue)
                    .singleElement().satisfies(letter -> {
                        DeadLetter deadLetter = (DeadLetter) letter;
                        assertThat(deadLetter.source().value()).as("the record, unchanged").isEqualTo(bad.value());
                        assertThat(deadLetter.source().offset()).isEqualTo(7);
                        assertThat(deadLetter.reason()).isEqualTo("invalid_request");
                        assertThat(deadLetter.detail()).contains("plan must be one of");
                    });
        }
    }
}
