package dev.streaminfer.backfill;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.ModelTokenizer;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Routes each input line by {@link LineAdmission}'s decision: documents to compute become requests
 * of the backfill's user (main output), refused lines become outcomes ({@link #REFUSED}). Runs with
 * parallelism 1, right after the source, since duplicates and line numbers are decided in input order.
 */
final class AdmitFunction extends ProcessFunction<InputLine, InferenceRequest> {

    static final OutputTag<Outcome> REFUSED = new OutputTag<>("refused", TypeInformation.of(Outcome.class));

    /** Accumulator: documents sent to the model by this run (what a resume must not repeat). */
    static final String SENT_TO_MODEL = "sent-to-model";

    private final ModelSpec model;
    private final String userId;
    private final HashSet<OutputLines.Key> answered;
    private final long limit;

    private transient ModelTokenizer tokenizer;
    private transient LineAdmission admission;
    private transient LongCounter sent;

    AdmitFunction(ModelSpec model, String userId, Set<OutputLines.Key> answered, long limit) {
        this.model = model;
        this.userId = userId;
        this.answered = new HashSet<>(answered);
        this.limit = limit;
    }

    @Override
    public void open(OpenContext openContext) {
        tokenizer = ModelTokenizer.load(model);
        admission = new LineAdmission(answered, limit, model.maxInputTokens(), tokenizer);
        sent = new LongCounter();
        getRuntimeContext().addAccumulator(SENT_TO_MODEL, sent);
    }

    @Override
    public void processElement(InputLine line, Context ctx, Collector<InferenceRequest> out) {
        LineAdmission.Decision decision = admission.decide(line.number(), line.text());
        long now = System.currentTimeMillis();
        if (decision instanceof LineAdmission.Compute c) {
            sent.add(1);
            out.collect(new InferenceRequest(c.id(), userId, model.name(), new String[] {c.text()},
                    Priority.NORMAL, Long.MAX_VALUE, now, c.tokens(), null));
        } else if (decision instanceof LineAdmission.Refuse r && r.id() == null) {
            ctx.output(REFUSED, Outcome.unusableLine(r.line(), r.code(), r.message(), model.name(), now));
        } else if (decision instanceof LineAdmission.Refuse r) {
            InferenceRequest request = new InferenceRequest(r.id(), userId, model.name(), new String[0],
                    Priority.NORMAL, Long.MAX_VALUE, now, 0, null);
            ctx.output(REFUSED, Outcome.of(
                    InferenceResult.unsuccessful(request, RequestStatus.REJECTED, r.code(), r.message(), 0, now)));
        }
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
