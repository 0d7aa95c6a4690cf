package dev.streaminfer.functions.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling: a plain loop calling ONNX Runtime on full batches of pre-tokenized texts (the
 * realistic mix of {@link BenchmarkTexts}), with no Flink, no Kafka, no sinks. Prints texts/s for
 * each batch size and thread layout, and the tokenizer's own rate.
 *
 * <pre>java -cp ... dev.streaminfer.functions.inference.CeilingBenchmark [model] [seconds] [batch sizes] [layouts]</pre>
 * e.g. {@code all-minilm-l6-v2-q 5 8,16,32,64 2x1,1x2,1x1} (layout = callers x intra-op threads).
 * Output lines start with {@code CEILING} and are key=value, for scripts.
 */
public final class CeilingBenchmark {

    public static void main(String[] args) throws Exception {
        String modelName = args.length > 0 ? args[0] : ModelRegistry.DEFAULT_MODEL;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        String[] sizes = (args.length > 2 ? args[2] : "8,16,32,64").split(",");
        String[] layouts = (args.length > 3 ? args[3] : "2x1,1x2,1x1").split(",");
        ModelSpec spec = ModelRegistry.bundled().find(modelName).orElseThrow();
        List<String> texts = BenchmarkTexts.generate(4096, 42);

        List<long[]> ids = new ArrayList<>();
        try (EmbeddingModel probe = EmbeddingModel.load(spec, SessionSettings.defaults())) {
            long t0 = System.nanoTime();
            for (String text : texts) {
                ids.add(probe.tokenizer().tokenIds(text));
            }
            double tokenizeRate = texts.size() / ((System.nanoTime() - t0) / 1e9);
            double meanTokens = ids.stream().mapToInt(a -> a.length).average().orElse(0);
            System.out.printf(Locale.ROOT, "CEILING model=%s texts=%d mean_tokens=%.1f tokenizer_texts_per_s=%.0f cores=%d%n",
                    modelName, texts.size(), meanTokens, tokenizeRate, Runtime.getRuntime().availableProcessors());
        }
        for (String layout : layouts) {
            int callers = Integer.parseInt(layout.split("x")[0]);
            int intraOp = Integer.parseInt(layout.split("x")[1]);
            try (EmbeddingModel model = EmbeddingModel.load(spec, new SessionSettings(intraOp))) {
                for (String size : sizes) {
                    int batch = Integer.parseInt(size);
                    run(model, ids, batch, callers, Math.min(1.5, seconds / 3)); // warm-up
                    Result r = run(model, ids, batch, callers, seconds);
                    System.out.printf(Locale.ROOT,
                            "CEILING model=%s batch=%d callers=%d intra_op=%d texts_per_s=%.1f batch_ms_mean=%.1f%n",
                            modelName, batch, callers, intraOp, r.textsPerSecond, r.meanBatchMs);
                }
            }
        }
    }

    record Result(double textsPerSecond, double meanBatchMs) {}

    /** {@code callers} threads each embed consecutive full batches of the same texts for {@code seconds}. */
    static Result run(EmbeddingModel model, List<long[]> ids, int batch, int callers, double seconds) throws Exception {
        AtomicLong texts = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        AtomicLong batchNanos = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(callers);
        long start = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            int offset = c * 997;
            Thread t = new Thread(() -> {
                int next = offset;
                while (System.nanoTime() < end) {
                    List<long[]> part = new ArrayList<>(batch);
                    for (int i = 0; i < batch; i++) {
                        part.add(ids.get((next + i) % ids.size()));
                    }
                    next += batch;
                    long t0 = System.nanoTime();
                    model.embedTokenIds(part);
                    batchNanos.addAndGet(System.nanoTime() - t0);
                    batches.incrementAndGet();
                    texts.addAndGet(batch);
                }
                done.countDown();
            });
            t.start();
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(texts.get() / elapsed, batchNanos.get() / 1e6 / Math.max(1, batches.get()));
    }
}
