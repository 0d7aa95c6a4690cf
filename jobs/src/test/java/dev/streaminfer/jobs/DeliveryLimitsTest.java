package dev.streaminfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.Pooling;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;

class DeliveryLimitsTest {

    private static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    /** The old default: a checkpoint may take 2 min and a restart wait 1 min, so 60 s transactions can be aborted. */
    @Test
    void aTransactionTimeoutShorterThanACheckpointCycleIsRefused() {
        assertThatThrownBy(() -> DeliveryLimits.checkTransactionTimeout(Duration.ofSeconds(60), INTERVAL,
                CHECKPOINT_TIMEOUT, MAX_BACKOFF))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("streaminfer.kafka.transaction-timeout")
                .hasMessageContaining("streaminfer.checkpoint-timeout");
    }

    @Test
    void theBoundaryItselfIsRefusedAndAnythingAboveAccepted() {
        Duration exactly = INTERVAL.plus(CHECKPOINT_TIMEOUT).plus(MAX_BACKOFF);
        assertThatThrownBy(() -> DeliveryLimits.checkTransactionTimeout(exactly, INTERVAL, CHECKPOINT_TIMEOUT, MAX_BACKOFF))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatCode(() -> DeliveryLimits.checkTransactionTimeout(exactly.plusSeconds(1), INTERVAL,
                CHECKPOINT_TIMEOUT, MAX_BACKOFF)).doesNotThrowAnyException();
    }

    @Test
    void aTimeoutAboveTheBrokersMaximumIsRefused() {
        assertThatThrownBy(() -> DeliveryLimits.checkTransactionTimeout(Duration.ofMinutes(16), INTERVAL,
                CHECKPOINT_TIMEOUT, MAX_BACKOFF)).hasMessageContaining("transaction.max.timeout.ms");
    }

    @Test
    void theDefaultsSatisfyTheRule() {
        Configuration conf = JobOptions.resolve(new String[0], Map.of());
        assertThatCode(() -> InferenceJob.checkDeliveryLimits(conf, ModelRegistry.bundled())).doesNotThrowAnyException();
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isLessThanOrEqualTo(MAX_BACKOFF);
    }

    /** 256 inputs x 384 floats as JSON measured 1,200,483 bytes: over Kafka's 1 MiB default. */
    @Test
    void theLargestResultOfTheBundledModelsIsOverKafkasDefaultAndWithinTheJobsLimit() {
        long largest = DeliveryLimits.largestResultBytes(ModelRegistry.bundled());
        assertThat(largest).isGreaterThan(1_200_483L).isGreaterThan(1_048_576L)
                .isLessThanOrEqualTo(JobOptions.KAFKA_MAX_RECORD_BYTES.defaultValue());
    }

    @Test
    void aModelTooWideForTheRecordLimitFailsTheStart() {
        ModelRegistry wide = ModelRegistry.bundled().with(new ModelSpec("wide", "classpath:x.onnx",
                "classpath:x.json", 512, Pooling.MEAN, true, 4096));
        assertThatThrownBy(() -> DeliveryLimits.checkRecordSize(wide, 8 * 1024 * 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("streaminfer.kafka.max-record-bytes");
    }
}
