package dev.streaminfer.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.api.metrics.LoadedModels.LoadedModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Over a scrape written by Flink's Prometheus reporter in a real job run (test resource). */
class LoadedModelsTest {

    private static final List<String> MODELS = List.of("all-minilm-l6-v2-q", "bge-small-en-v15-q");

    private static String realScrape() throws IOException {
        try (InputStream in = LoadedModelsTest.class.getResourceAsStream("/metrics/job-scrape.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The same samples as another subtask, or another TaskManager, would report them. */
    private static String relabelled(String scrape, String label, String from, String to) {
        return scrape.replace(label + "=\"" + from + "\"", label + "=\"" + to + "\"");
    }

    @Test
    void aLoadedModelIsReportedWithItsRegistryNameBytesLastUseAndUses() throws IOException {
        List<LoadedModel> models = LoadedModels.parse(List.of(realScrape()), MODELS);

        assertThat(models).singleElement().satisfies(m -> {
            assertThat(m.model()).isEqualTo("all-minilm-l6-v2-q");
            assertThat(m.taskManager()).isEqualTo("ab18201a_ebe1_4ecf_ae68_b2dbb23b27e6");
            assertThat(m.bytes()).isEqualTo(22_972_370L);
            assertThat(m.lastUsedMillis()).isEqualTo(1_796_224_939_043L);
            assertThat(m.uses()).isPositive();
        });
    }

    @Test
    void subtasksOfOneTaskManagerCountOnceAndEachTaskManagerApart() throws IOException {
        String scrape = realScrape();
        String otherSubtask = relabelled(scrape, "subtask_index", "1", "0");
        String otherTaskManager = relabelled(scrape, "tm_id", "ab18201a_ebe1_4ecf_ae68_b2dbb23b27e6", "tm-2");

        List<LoadedModel> models = LoadedModels.parse(List.of(scrape + otherSubtask, otherTaskManager), MODELS);

        assertThat(models).extracting(LoadedModel::taskManager)
                .containsExactlyInAnyOrder("ab18201a_ebe1_4ecf_ae68_b2dbb23b27e6", "tm-2");
    }

    @Test
    void anUnloadedModelAndOtherMetricsAreLeftOut() throws IOException {
        String unloaded = realScrape().replaceAll("(model_ml_model_loaded\\{[^}]*}) 1\\.0", "$1 0.0");

        assertThat(LoadedModels.parse(List.of(unloaded, "garbage line\nflink_jobmanager_job_uptime 5.0\n"), MODELS))
                .isEmpty();
    }

    @Test
    void labelValuesAreWrittenAsTheReporterDoes() {
        assertThat(LoadedModels.exported("bge-small-en-v1.5-q")).isEqualTo("bge_small_en_v1_5_q");
    }
}
