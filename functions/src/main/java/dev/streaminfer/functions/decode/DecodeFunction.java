package dev.streaminfer.functions.decode;

import java.time.Duration;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.ModelTokenizer;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.serde.CancelMarkerCodec;
import dev.streaminfer.functions.model.RawRecord;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Routes each raw record to the main output (valid request), the {@link #CANCELS} side output (a
 * valid cancel) or the dead-letter side output.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, InferenceRequest> {

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    public static final OutputTag<CancelMarker> CANCELS =
            new OutputTag<>("cancels", TypeInformation.of(CancelMarker.class));

    private final ModelRegistry registry;
    private final Duration maxClockSkew;
    private transient Map<String, ModelTokenizer> tokenizers;
    private transient RequestDecoder decoder;
    private transient Counter deadLetterCount;

    public DecodeFunction(ModelRegistry registry, Duration maxClockSkew) {
        this.registry = registry;
        this.maxClockSkew = maxClockSkew;
    }

    @Override
    public void open(OpenContext openContext) {
        tokenizers = new HashMap<>();
        decoder = new RequestDecoder(registry, this::tokenizerFor, maxClockSkew);
        deadLetterCount = getRuntimeContext().getMetricGroup().counter("dlq_records_total");
    }

    private ModelTokenizer tokenizerFor(ModelSpec spec) {
        return tokenizers.computeIfAbsent(spec.name(), name -> ModelTokenizer.load(spec));
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<InferenceRequest> out) {
        if (record.cancel()) {
            try {
                ctx.output(CANCELS, CancelMarkerCodec.decode(record.value()));
            } catch (IllegalArgumentException e) {
                deadLetterCount.inc();
                ctx.output(DEAD_LETTERS, new DeadLetter(record, ErrorCode.INVALID_REQUEST.code(),
                        "not a cancel: " + e.getMessage()));
            }
            return;
        }
        RequestDecoder.Outcome outcome = decoder.decode(record);
        if (outcome.request() != null) {
            out.collect(outcome.request());
        } else {
            deadLetterCount.inc();
            ctx.output(DEAD_LETTERS, outcome.deadLetter());
        }
    }

    @Override
    public void close() {
        if (tokenizers != null) {
            tokenizers.values().forEach(ModelTokenizer::close);
        }
    }
}
