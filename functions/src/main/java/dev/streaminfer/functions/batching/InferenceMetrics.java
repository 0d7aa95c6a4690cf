package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.functions.inference.SharedModels;
import dev.streaminfer.functions.inference.SharedModels.LoadedModel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Per-model metrics of the inference operator, in the group {@code model=<name>} / {@code ml}.
 * With Flink's Prometheus reporter they are exported as
 * {@code flink_taskmanager_job_task_operator_model_ml_<name>} with the label {@code model}
 * (plus Flink's job/task labels); e.g. the autoscaling signal is
 * {@code flink_taskmanager_job_task_operator_model_ml_tokens_processed_total}. The names are
 * listed in {@link #NAMES}; a test pins the exported form.
 */
public final class InferenceMetrics implements BatchRunner.Listener {

    public static final String MODEL_GROUP = "model";
    public static final String ML_GROUP = "ml";

    public static final String BATCH_SIZE = "batch_size";
    public static final String BATCH_WAIT_MS = "batch_wait_ms";
    public static final String QUEUE_WAIT_MS = "queue_wait_ms";
    public static final String INFERENCE_LATENCY_MS = "inference_latency_ms";
    public static final String TEXTS_PROCESSED = "texts_processed_total";
    public static final String TOKENS_PROCESSED = "tokens_processed_total";
    public static final String BATCHES_IN_FLIGHT = "batches_in_flight";
    public static final String FAILURES = "failures_total";
    public static final String RETRIES = "retries_total";
    public static final String EXPIRED = "expired_total";
    /** Counted by the batcher ({@link MicroBatchOperator}), where cancels take effect, in the same groups. */
    public static final String CANCELLED = "cancelled_total";
    /** The model cache of the TaskManager (JVM-wide: every subtask there reports the same values). */
    public static final String MODEL_LOADED = "model_loaded";
    public static final String MODEL_BYTES = "model_bytes";
    public static final String MODEL_LAST_USED = "model_last_used_timestamp_ms";
    public static final String MODEL_USES = "model_uses";

    public static final List<String> NAMES = List.of(BATCH_SIZE, BATCH_WAIT_MS, QUEUE_WAIT_MS,
            INFERENCE_LATENCY_MS, TEXTS_PROCESSED, TOKENS_PROCESSED, BATCHES_IN_FLIGHT, FAILURES, RETRIES, EXPIRED,
            MODEL_LOADED, MODEL_BYTES, MODEL_LAST_USED, MODEL_USES);

    private static final int HISTOGRAM_WINDOW = 1024;

    /** The metrics of one model. */
    static final class ModelMetrics {
        final Histogram batchSize;
        final Histogram batchWait;
        final Histogram queueWait;
        final Histogram latency;
        final Counter texts;
        final Counter tokens;
        final Counter failures;
        final Counter retries;
        final Counter expired;
        final AtomicInteger inFlight = new AtomicInteger();

        ModelMetrics(MetricGroup group, String model, SharedModels cache) {
            batchSize = group.histogram(BATCH_SIZE, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
            batchWait = group.histogram(BATCH_WAIT_MS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
            queueWait = group.histogram(QUEUE_WAIT_MS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
            latency = group.histogram(INFERENCE_LATENCY_MS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
            texts = group.counter(TEXTS_PROCESSED, new ThreadSafeSimpleCounter());
            tokens = group.counter(TOKENS_PROCESSED, new ThreadSafeSimpleCounter());
            failures = group.counter(FAILURES, new ThreadSafeSimpleCounter());
            retries = group.counter(RETRIES, new ThreadSafeSimpleCounter());
            expired = group.counter(EXPIRED, new ThreadSafeSimpleCounter());
            group.gauge(BATCHES_IN_FLIGHT, (Gauge<Integer>) inFlight::get);
            group.gauge(MODEL_LOADED, (Gauge<Integer>) () -> loaded(cache, model).isEmpty() ? 0 : 1);
            group.gauge(MODEL_BYTES, (Gauge<Long>) () ->
                    loaded(cache, model).stream().mapToLong(LoadedModel::bytes).sum());
            group.gauge(MODEL_LAST_USED, (Gauge<Long>) () ->
                    loaded(cache, model).stream().mapToLong(LoadedModel::lastUsedMillis).max().orElse(0));
            group.gauge(MODEL_USES, (Gauge<Long>) () ->
                    loaded(cache, model).stream().mapToLong(LoadedModel::uses).sum());
        }

        /** The model's sessions (one per device) loaded in this JVM. */
        private static List<LoadedModel> loaded(SharedModels cache, String model) {
            return cache.loaded().stream().filter(m -> m.name().equals(model)).toList();
        }
    }

    private final MetricGroup operatorGroup;
    private final SharedModels cache;
    private final Map<String, ModelMetrics> models = new ConcurrentHashMap<>();

    public InferenceMetrics(MetricGroup operatorGroup, SharedModels cache) {
        this.operatorGroup = operatorGroup;
        this.cache = cache;
    }

    /** The group a model's metrics live in. */
    public static MetricGroup modelGroup(MetricGroup operatorGroup, String model) {
        return operatorGroup.addGroup(MODEL_GROUP, model).addGroup(ML_GROUP);
    }

    ModelMetrics of(String model) {
        return models.computeIfAbsent(model, m -> new ModelMetrics(modelGroup(operatorGroup, m), m, cache));
    }

    /** A batch enters the operator (task thread). */
    void batchStarted(InferenceBatch batch) {
        ModelMetrics m = of(batch.model());
        m.inFlight.incrementAndGet();
        update(m.batchSize, batch.texts());
        update(m.batchWait, Math.max(0, batch.closedAt() - batch.firstArrivedAt()));
    }

    void computing(InferenceBatch batch, long now) {
        update(of(batch.model()).queueWait, Math.max(0, now - batch.closedAt()));
    }

    void batchDone(InferenceBatch batch) {
        of(batch.model()).inFlight.decrementAndGet();
    }

    int inFlight(String model) {
        return of(model).inFlight.get();
    }

    @Override
    public void computed(String model, int texts, int tokens, long nanos) {
        ModelMetrics m = of(model);
        m.texts.inc(texts);
        m.tokens.inc(tokens);
        update(m.latency, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    @Override
    public void retried(String model) {
        of(model).retries.inc();
    }

    @Override
    public void ended(String model, RequestStatus status, int requests) {
        switch (status) {
            case FAILED -> of(model).failures.inc(requests);
            case EXPIRED -> of(model).expired.inc(requests);
            default -> { }
        }
    }

    private static void update(Histogram histogram, long value) {
        synchronized (histogram) {
            histogram.update(value);
        }
    }
}
