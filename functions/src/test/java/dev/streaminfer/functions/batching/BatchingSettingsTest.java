package dev.streaminfer.functions.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.inference.DeviceSelection;
import dev.streaminfer.contract.registry.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;

class BatchingSettingsTest {

    @Test
    void theShippedFlinkConfigurationParsesIntoTheSettings() {
        Path dir = Path.of("..", "flink-conf");
        assertThat(Files.isRegularFile(dir.resolve("config.yaml"))).isTrue();
        Configuration conf = GlobalConfiguration.loadConfiguration(dir.toString());

        BatchingSettings settings = BatchingSettings.fromConfiguration(conf);

        assertThat(settings).isEqualTo(BatchingSettings.defaults());
        assertThat(conf.getString("external-resources", null)).isEqualTo("gpu");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        BatchingSettings s = BatchingSettings.defaults();
        assertThat(s.maxBatchTexts()).isEqualTo(32);
        assertThat(s.maxWait()).isEqualTo(Duration.ofMillis(20));
        assertThat(s.inferenceThreads()).isEqualTo(2);
        assertThat(s.intraOpThreads()).isEqualTo(1);
        assertThat(s.device()).isEqualTo(DeviceSelection.Preference.AUTO);
        assertThat(s.retry().backoffMs(1)).isEqualTo(100);
        assertThat(s.retry().backoffMs(3)).isEqualTo(400);
        assertThat(s.retry().backoffMs(30)).isEqualTo(RetryPolicy.MAX_BACKOFF_MS);
    }

    @Test
    void aModelsOwnBatchLimitsWinOverTheJobWideOnes() {
        BatchingSettings s = BatchingSettings.defaults();
        assertThat(s.limitsFor(ModelRegistry.ALL_MINILM_L6_V2_Q.withBatchLimits(8, 0)))
                .isEqualTo(new BatchLimits(8, 8192, 20));
        assertThat(s.limitsFor(null)).isEqualTo(new BatchLimits(32, 8192, 20));
    }
}
