package dev.streaminfer.backfill;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.batching.BatchedInference;
import dev.streaminfer.functions.batching.BatchingSettings;
import java.nio.file.Path;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The backfill pipeline: the production job's validation, micro-batching and inference over a
 * bounded file, in Flink's streaming mode (a bounded source ends the job), so every operator runs
 * as in the job, timers and back-pressure included, and results reach the file as they complete.
 *
 * <pre>
 * input file ─▶ admit (p=1: numbering, duplicates, resume, validation) ─▶ BatchedInference ─┬─▶ output file (p=1)
 *                    └─▶ refused lines ─────────────────────────────────────────────────────┘   (+ PostgreSQL)
 * </pre>
 */
public final class BackfillJob {

    /**
     * What one run does.
     *
     * @param userId the user the requests run as (the admin identity with PostgreSQL)
     * @param answered keys already in the output file, not answered again
     * @param limit most lines this run answers
     * @param postgres where rows also go; null for the file alone
     */
    public record Plan(Path input, Path output, ModelRegistry registry, ModelSpec model, String userId,
                       Set<OutputLines.Key> answered, long limit, BatchingSettings batching,
                       PostgresResults postgres) {}

    private BackfillJob() {}

    public static void build(StreamExecutionEnvironment env, Plan plan) {
        FileSource<InputLine> source = FileSource.forRecordStreamFormat(new NumberedLineFormat(),
                new org.apache.flink.core.fs.Path(plan.input().toUri())).build();
        SingleOutputStreamOperator<InferenceRequest> admitted = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "input lines")
                .setParallelism(1)
                .process(new AdmitFunction(plan.model(), plan.userId(), plan.answered(), plan.limit()))
                .name("admit")
                .setParallelism(1);
        DataStream<Outcome> computed = BatchedInference
                .apply(admitted, plan.batching(), plan.registry())
                .map(Outcome::of, TypeInformation.of(Outcome.class))
                .name("outcome");
        computed.union(admitted.getSideOutput(AdmitFunction.REFUSED))
                .sinkTo(new OutputFileSink(plan.output(), plan.postgres()))
                .name("output file")
                .setParallelism(1);
    }
}
