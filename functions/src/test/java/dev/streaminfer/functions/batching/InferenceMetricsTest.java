package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.T0;
import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.ModelCacheLimits;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.inference.SharedModels;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.junit.jupiter.api.Test;

class InferenceMetricsTest {

    /** Flink's Prometheus reporter names a metric by its logical scope joined with '_', plus the metric name. */
    @Test
    void theExportedNamesAreStable() {
        MetricGroup operator = UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup();
        MetricGroup group = InferenceMetrics.modelGroup(operator, "all-minilm-l6-v2-q");
        String scope = ((AbstractMetricGroup<?>) group).getLogicalScope(CharacterFilter.NO_OP_FILTER, '_');

        assertThat("flink_" + scope + "_" + InferenceMetrics.TOKENS_PROCESSED)
                .isEqualTo("flink_taskmanager_job_task_operator_model_ml_tokens_processed_total");
        assertThat(group.getAllVariables()).containsEntry("<model>", "all-minilm-l6-v2-q");
    }

    @Test
    void countsTextsTokensAndOutcomesPerModel() {
        Map<String, Metric> registered = new HashMap<>();
        MetricGroup operator = new RecordingGroup(registered);
        InferenceMetrics metrics = new InferenceMetrics(operator, SharedModels.separate(ModelCacheLimits.DEFAULT));
        InferenceBatch batch = new InferenceBatch("b", Requests.MINILM,
                new InferenceRequest[] {request("a").texts(3).tokens(30).build()}, T0, T0 + 15);

        metrics.batchStarted(batch);
        metrics.computed(Requests.MINILM, 3, 30, 5_000_000);
        metrics.ended(Requests.MINILM, RequestStatus.FAILED, 2);
        assertThat(metrics.inFlight(Requests.MINILM)).isEqualTo(1);
        metrics.batchDone(batch);

        assertThat(metrics.inFlight(Requests.MINILM)).isZero();
        assertThat(((org.apache.flink.metrics.Counter) registered.get("tokens_processed_total")).getCount()).isEqualTo(30);
        assertThat(((org.apache.flink.metrics.Counter) registered.get("texts_processed_total")).getCount()).isEqualTo(3);
        assertThat(((org.apache.flink.metrics.Counter) registered.get("failures_total")).getCount()).isEqualTo(2);
        assertThat(((org.apache.flink.metrics.Histogram) registered.get("batch_wait_ms")).getStatistics().getMax()).isEqualTo(15);
        assertThat(((org.apache.flink.metrics.Histogram) registered.get("batch_size")).getStatistics().getMax()).isEqualTo(3);
        assertThat(registered.keySet()).containsAll(InferenceMetrics.NAMES);
    }

    @Test
    void exportsWhatTheTaskManagerHasLoadedOfEachModel() throws Exception {
        Map<String, Metric> registered = new HashMap<>();
        SharedModels cache = SharedModels.separate(ModelCacheLimits.DEFAULT);
        InferenceMetrics metrics = new InferenceMetrics(new RecordingGroup(registered), cache);
        metrics.inFlight(Requests.MINILM); // registers the model's metrics
        assertThat(gauge(registered, InferenceMetrics.MODEL_LOADED)).isEqualTo(0);
        assertThat(gauge(registered, InferenceMetrics.MODEL_BYTES)).isEqualTo(0L);

        long before = System.currentTimeMillis();
        ModelSpec minilm = ModelRegistry.bundled().find(Requests.MINILM).orElseThrow();
        cache.acquire(minilm, SessionSettings.defaults()).close();
        cache.acquire(minilm, SessionSettings.defaults()).close();

        long onnxBytes;
        try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2-q.onnx")) {
            onnxBytes = in.readAllBytes().length;
        }
        assertThat(gauge(registered, InferenceMetrics.MODEL_LOADED)).isEqualTo(1);
        assertThat(gauge(registered, InferenceMetrics.MODEL_BYTES)).isEqualTo(onnxBytes);
        assertThat(gauge(registered, InferenceMetrics.MODEL_USES)).isEqualTo(2L);
        assertThat((Long) gauge(registered, InferenceMetrics.MODEL_LAST_USED)).isBetween(before, System.currentTimeMillis());
    }

    private static Object gauge(Map<String, Metric> registered, String name) {
        return ((Gauge<?>) registered.get(name)).getValue();
    }

    /** A metric group that keeps what is registered in it (and in its subgroups), by name. */
    private static final class RecordingGroup extends org.apache.flink.metrics.groups.UnregisteredMetricsGroup {
        private final Map<String, Metric> registered;

        RecordingGroup(Map<String, Metric> registered) {
            this.registered = registered;
        }

        @Override
        public <C extends org.apache.flink.metrics.Counter> C counter(String name, C counter) {
            registered.put(name, counter);
            return counter;
        }

        @Override
        public <T, G extends org.apache.flink.metrics.Gauge<T>> G gauge(String name, G gauge) {
            registered.put(name, gauge);
            return gauge;
        }

        @Override
        public <H extends org.apache.flink.metrics.Histogram> H histogram(String name, H histogram) {
            registered.put(name, histogram);
            return histogram;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return this;
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return this;
        }
    }
}
