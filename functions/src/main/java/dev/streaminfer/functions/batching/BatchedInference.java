package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.Collector;

/**
 * Micro-batched asynchronous inference, the one entry point the job wires in:
 *
 * <pre>
 * admitted ─rebalance─▶ micro-batcher (per subtask and model; operator state) ─▶ async ONNX inference
 * cancels ──broadcast──────▲     └─▶ expired or cancelled while buffered ───────────────┐   (checkpointed queue,
 *                                                                                        ▼    bounded in flight)
 *                                                                       results (one per request)
 * </pre>
 *
 * Every request comes out exactly once as a result: completed, expired, cancelled or failed.
 */
public final class BatchedInference {

    /** uid of the batching operator (its state: buffered requests). */
    public static final String BATCHER_UID = "micro-batcher";
    /** uid of the async inference operator (its state: batches in flight). */
    public static final String INFERENCE_UID = "batch-inference";

    private BatchedInference() {}

    /** For a pipeline that has no cancels (a backfill). */
    public static DataStream<InferenceResult> apply(DataStream<InferenceRequest> admitted, BatchingSettings settings,
                                                    ModelRegistry registry) {
        // Derived from the requests rather than an empty source of its own: it ends when they do.
        DataStream<CancelMarker> none = admitted
                .flatMap((InferenceRequest request, Collector<CancelMarker> out) -> { })
                .returns(TypeInformation.of(CancelMarker.class))
                .name("no cancels");
        return apply(admitted, none, settings, registry);
    }

    /**
     * @param cancels the cancels on the requests topic, without watermarks (the batcher has no use
     *     for event time, and the inference queue must not be segmented by it)
     */
    public static DataStream<InferenceResult> apply(DataStream<InferenceRequest> admitted,
                                                    DataStream<CancelMarker> cancels, BatchingSettings settings,
                                                    ModelRegistry registry) {
        SingleOutputStreamOperator<InferenceBatch> batches = admitted
                .rebalance()
                .connect(cancels.broadcast())
                .transform("micro-batch", TypeInformation.of(InferenceBatch.class),
                        new MicroBatchOperator(settings, registry))
                .uid(BATCHER_UID);
        SingleOutputStreamOperator<InferenceResult> results = AsyncDataStream.unorderedWait(
                        batches,
                        new BatchInferenceFunction(settings, registry),
                        settings.batchTimeout().toMillis(), TimeUnit.MILLISECONDS,
                        settings.maxInFlightBatches())
                .name("onnx batch inference")
                .uid(INFERENCE_UID)
                .returns(TypeInformation.of(InferenceResult.class));
        if (settings.parallelism() > 0) {
            batches.setParallelism(settings.parallelism());
            results.setParallelism(settings.parallelism());
        }
        return results.union(batches.getSideOutput(MicroBatchOperator.UNCOMPUTED));
    }
}
