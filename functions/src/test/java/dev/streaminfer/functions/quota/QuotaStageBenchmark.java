package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * Measures the quota stage alone with many distinct users (default 1,000,000) on the heap
 * (HashMap) and the RocksDB state backends. Not a test: run it by hand (see the README):
 *
 * <pre>
 * mvn -o -q -pl functions test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -Xmx6g -cp functions/target/test-classes:functions/target/classes:$(cat functions/target/bench.cp) \
 *     dev.streaminfer.functions.quota.QuotaStageBenchmark [users] [requestsPerUser] [all|pipeline|state]
 * </pre>
 *
 * <p>Two measurements per backend:
 * <ol>
 *   <li>pipeline: a MiniCluster job (parallelism 2), generated requests → keyBy(user) → connect
 *       quota updates → {@link QuotaFunction} → discarding sink; records/s over the job's net
 *       runtime, against a baseline job with the same shape whose keyed function forwards
 *       without state (the record-at-a-time cost of the pipeline itself);</li>
 *   <li>state: {@link QuotaFunction} in a test harness, one subtask, one request per user,
 *       then a full snapshot whose size is the state size (the harness copies every output
 *       record with a new serializer, so its records/s are not reported) (ledger, timer and, for one user in
 *       100, a plan and a refunded id).</li>
 * </ol>
 */
public final class QuotaStageBenchmark {

    private static final long T0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    private QuotaStageBenchmark() {}

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int perUser = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        long records = (long) users * perUser;
        System.out.printf(Locale.ROOT, "quota stage: %,d users, %,d requests each (%,d records), %d cores%n",
                users, perUser, records, Runtime.getRuntime().availableProcessors());

        String mode = args.length > 2 ? args[2] : "all";
        if (!mode.equals("state")) {
            pipelines(users, records);
        }
        if (!mode.equals("pipeline")) {
            for (String backend : new String[] {"hashmap", "rocksdb"}) {
                operator(backend, users);
            }
        }
    }

    private static void pipelines(int users, long records) throws Exception {
        // Warm-up (JIT, class loading) so the first measured job is not the cold one.
        pipeline("hashmap", users, Math.min(records, 200_000), false);
        pipeline("hashmap", users, Math.min(records, 200_000), true);
        double baseline = pipeline("hashmap", users, records, false);
        System.out.printf(Locale.ROOT, "pipeline  baseline (keyed, no state)  %,10.0f records/s%n", baseline);
        for (String backend : new String[] {"hashmap", "rocksdb"}) {
            double rate = pipeline(backend, users, records, true);
            System.out.printf(Locale.ROOT, "pipeline  quota on %-8s             %,10.0f records/s  (%.2f x baseline)%n",
                    backend, rate, rate / baseline);
        }
    }

    static InferenceRequest request(long i, int users) {
        String user = "user-" + (i % users);
        long submittedAt = T0 + i / 1_000;
        return new InferenceRequest("req-" + i, user, "all-minilm-l6-v2-q", new String[] {"x"}, Priority.NORMAL,
                submittedAt + 60_000, submittedAt, 100 + (int) (i % 400), null);
    }

    private static double pipeline(String backend, int users, long records, boolean withQuota) throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        var requests = env.fromSequence(0, records - 1)
                .map(i -> request(i, users)).returns(TypeInformation.of(InferenceRequest.class))
                .keyBy(InferenceRequest::userId);
        var updates = env.fromData(QuotaUpdate.planChange("user-0", "pro", null, null, T0))
                .keyBy(QuotaUpdate::userId);
        KeyedCoProcessFunction<String, InferenceRequest, QuotaUpdate, InferenceRequest> function = withQuota
                ? new QuotaFunction(QuotaPlan.FREE)
                : new Forward();
        requests.connect(updates).process(function).returns(TypeInformation.of(InferenceRequest.class))
                .sinkTo(new DiscardingSink<>());
        JobExecutionResult result = env.execute("quota-benchmark-" + backend + (withQuota ? "" : "-baseline"));
        return records * 1_000.0 / result.getNetRuntime();
    }

    /** The baseline: same shape, no state. */
    static final class Forward extends KeyedCoProcessFunction<String, InferenceRequest, QuotaUpdate, InferenceRequest> {
        @Override
        public void processElement1(InferenceRequest value, Context ctx, Collector<InferenceRequest> out) {
            out.collect(value);
        }

        @Override
        public void processElement2(QuotaUpdate value, Context ctx, Collector<InferenceRequest> out) {}
    }

    private static void operator(String backendName, int users) throws Exception {
        Path checkpoints = Files.createTempDirectory("quota-bench-");
        StateBackend backend = backendName.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
        try (KeyedTwoInputStreamOperatorTestHarness<String, InferenceRequest, QuotaUpdate, InferenceRequest> harness =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(new QuotaFunction(QuotaPlan.FREE)),
                        InferenceRequest::userId, QuotaUpdate::userId, Types.STRING, 128, 1, 0)) {
            harness.setStateBackend(backend);
            harness.setCheckpointStorage(new FileSystemCheckpointStorage(checkpoints.toUri()));
            harness.open();
            long start = System.nanoTime();
            for (long i = 0; i < users; i++) {
                InferenceRequest request = request(i, users);
                harness.processElement1(new StreamRecord<>(request, request.submittedAt()));
                if (i % 100 == 0) {
                    harness.processElement2(new StreamRecord<>(QuotaUpdate.planChange(request.userId(), "pro", null, null, T0)));
                    harness.processElement2(new StreamRecord<>(QuotaTestData.refundOf(request)));
                }
                if (i % 100_000 == 0) {
                    harness.getOutput().clear();
                    harness.getSideOutput(QuotaFunction.USAGE).clear();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9; // harness output copying dominates: not reported
            String entries = backendName.equals("rocksdb") ? "n/a" : String.format(Locale.ROOT, "%,d", harness.numKeyedStateEntries());
            int timers = harness.numProcessingTimeTimers();
            long snapStart = System.nanoTime();
            OperatorSubtaskState snapshot = harness.snapshot(1, T0);
            double snapSeconds = (System.nanoTime() - snapStart) / 1e9;
            long bytes = snapshot.getStateSize();
            System.out.printf(Locale.ROOT,
                    "state     quota on %-8s %,d users in %.0f s (harness); %s keyed entries + %,d timers;"
                            + " full snapshot %,.1f MiB (%.0f bytes/user) in %.1f s%n",
                    backendName, users, seconds, entries, timers, bytes / 1048576.0, (double) bytes / users,
                    snapSeconds);
        } finally {
            try (Stream<Path> files = Files.walk(checkpoints)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
