package dev.streaminfer.functions.sink;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import dev.streaminfer.functions.decode.DecodeFunction;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.functions.sink.kafka.TopicLimits;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every result the sinks get can be written: a result whose record would exceed what
 * the results topic accepts now (its {@code max.message.bytes}, re-read every
 * {@link Settings#refreshInterval()}, and the producer's limit) becomes {@code failed} with
 * {@code result_too_large} in every sink, is refunded like any failure, and goes to the DLQ with
 * the sizes. Without this, the exactly-once sink would fail on that record after every restart.
 * The start-up check ensures this cannot happen with the topics as configured at start; this
 * covers a topic whose limit is lowered while the job runs.
 */
public class ResultSizeGuard extends ProcessFunction<InferenceResult, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(ResultSizeGuard.class);

    /**
     * @param bootstrapServers where the results topic lives
     * @param resultsTopic the topic whose limit is followed
     * @param producerMaxBytes the sinks' producer {@code max.request.size}
     * @param refreshInterval how often the topic's limit is re-read; zero: only the producer's limit counts
     */
    public record Settings(String bootstrapServers, String resultsTopic, int producerMaxBytes, Duration refreshInterval)
            implements Serializable {}

    private final Settings settings;
    private transient volatile long limitBytes;
    private transient ScheduledExecutorService refresher;
    private transient Admin admin;
    private transient Counter tooLarge;

    public ResultSizeGuard(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        limitBytes = settings.producerMaxBytes();
        tooLarge = getRuntimeContext().getMetricGroup().counter("results_too_large_total");
        if (!settings.refreshInterval().isZero()) {
            Duration timeout = Duration.ofSeconds(10);
            admin = TopicLimits.admin(settings.bootstrapServers(), timeout);
            refresher = DaemonThreads.singleThreadScheduler("result-size-limit");
            refresher.scheduleWithFixedDelay(() -> refresh(timeout), 0,
                    settings.refreshInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void refresh(Duration timeout) {
        try {
            Long topicLimit = TopicLimits.maxMessageBytes(admin, List.of(settings.resultsTopic()), timeout)
                    .get(settings.resultsTopic());
            long limit = topicLimit == null ? settings.producerMaxBytes() : Math.min(topicLimit, settings.producerMaxBytes());
            if (limit != limitBytes) {
                LOG.info("event=result_record_limit topic={} limit_bytes={}", settings.resultsTopic(), limit);
            }
            limitBytes = limit;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("event=result_record_limit_not_read topic={} keeping_bytes={} reason=\"{}\"",
                    settings.resultsTopic(), limitBytes, String.valueOf(e.getCause() != null ? e.getCause() : e));
        }
    }

    @Override
    public void processElement(InferenceResult result, Context ctx, Collector<InferenceResult> out) {
        long limit = limitBytes;
        long now = ctx.timerService().currentProcessingTime();
        Optional<InferenceResult> replacement = ResultRecordSize.replacementIfTooLarge(result, limit, now);
        if (replacement.isEmpty()) {
            out.collect(result);
            return;
        }
        InferenceResult failed = replacement.get();
        tooLarge.inc();
        LOG.warn("event=result_too_large request_id={} user_id={} limit_bytes={}", result.requestId(), result.userId(), limit);
        ctx.output(DecodeFunction.DEAD_LETTERS, new DeadLetter(new RawRecord(
                result.requestId().getBytes(StandardCharsets.UTF_8), ResultDocumentCodec.encode(failed),
                settings.resultsTopic(), -1, -1, now, result.traceparent()),
                ErrorCode.RESULT_TOO_LARGE.code(), failed.errorMessage()));
        out.collect(failed);
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
