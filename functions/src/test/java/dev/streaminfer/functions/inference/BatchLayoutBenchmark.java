package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.EmbeddingModel.SubBatches;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The two execution layouts measured on the four bundled models in one run: texts/s row by row
 * (one call per text) against length-aware batches of 32 (padded-token budget 1024, the job's
 * default), both with 2 callers sharing one session of 1 intra-op thread; and how far a text's
 * vector moves from the same text alone in one call of 3, one call of 8, length-aware batches of
 * 32, and in the layout the model is served with. Not a test: run it by hand.
 *
 * <pre>
 * mvn -q -pl functions test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp functions/target/test-classes:functions/target/classes:$(cat functions/target/bench.cp) \
 *     dev.streaminfer.functions.inference.BatchLayoutBenchmark [seconds per point] [texts]
 * </pre>
 */
final class BatchLayoutBenchmark {

    static final int BATCH = 32;
    static final int BUDGET = 1024;
    static final int CALLERS = 2;

    private BatchLayoutBenchmark() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 6;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        List<String> texts = VariedTexts.generate(count, 42);
        List<String> rows = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%d varied texts, %d cores, load average %.2f at start%n", texts.size(),
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (ModelSpec spec : ModelRegistry.bundled().all()) {
            try (EmbeddingModel model = EmbeddingModel.load(spec, SessionSettings.defaults())) {
                int[] lengths = texts.stream().mapToInt(t -> model.tokenizer().countTokens(t)).toArray();
                System.out.printf(Locale.ROOT, "%s: mean %.1f tokens, longest %d%n", spec.name(),
                        java.util.Arrays.stream(lengths).average().orElse(0), java.util.Arrays.stream(lengths).max().orElse(0));
                float[][] alone = new float[texts.size()][];
                for (int i = 0; i < texts.size(); i++) {
                    alone[i] = model.embedInOneCall(List.of(texts.get(i)))[0];
                }
                double three = deviation(texts, lengths, alone, 3, part -> model.embedInOneCall(part.texts));
                double eight = deviation(texts, lengths, alone, 8, part -> model.embedInOneCall(part.texts));
                double lengthAware = deviation(texts, lengths, alone, BATCH,
                        part -> SubBatches.run(part.texts, part.lengths, BUDGET, BATCH, model::embedInOneCall));
                double served = deviation(texts, lengths, alone, BATCH, part -> model.embed(part.texts, BUDGET));

                double rowWise = throughput(seconds, texts.size(), 1, (from, n) -> {
                    model.embedInOneCall(List.of(texts.get(from)));
                });
                double batched = throughput(seconds, texts.size(), BATCH, (from, n) -> {
                    Part part = Part.of(texts, lengths, from, n);
                    SubBatches.run(part.texts, part.lengths, BUDGET, BATCH, model::embedInOneCall);
                });
                String row = String.format(Locale.ROOT, "| `%s` | %s | %.0f | %.0f | %.1e | %.1e | %.1e | %.1e |",
                        spec.name(), model.execution().jsonName(), rowWise, batched, three, eight, lengthAware, served);
                System.out.println(row);
                rows.add(row);
            }
        }
        System.out.println();
        System.out.println("| model | served as | row-wise texts/s | batched texts/s | max diff, call of 3 | call of 8"
                + " | length-aware 32 | served layout |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load average %.2f at end%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Texts {@code from} onwards (wrapping around), with their token counts. */
    record Part(List<String> texts, int[] lengths) {
        static Part of(List<String> all, int[] allLengths, int from, int n) {
            List<String> texts = new ArrayList<>(n);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                int index = (from + i) % all.size();
                texts.add(all.get(index));
                lengths[i] = allLengths[index];
            }
            return new Part(texts, lengths);
        }
    }

    /** Largest per-component difference to the text alone, embedding consecutive groups of {@code size}. */
    static double deviation(List<String> texts, int[] lengths, float[][] alone, int size, Function<Part, float[][]> run) {
        double worst = 0;
        for (int from = 0; from < texts.size(); from += size) {
            int n = Math.min(size, texts.size() - from);
            float[][] vectors = run.apply(Part.of(texts, lengths, from, n));
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < vectors[i].length; d++) {
                    worst = Math.max(worst, Math.abs(vectors[i][d] - alone[from + i][d]));
                }
            }
        }
        return worst;
    }

    interface Work {
        void run(int from, int n) throws Exception;
    }

    /** Texts per second of {@value #CALLERS} threads taking {@code step} texts at a time, after a warm-up. */
    static double throughput(double seconds, int texts, int step, Work work) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long warmUpEnd = System.nanoTime() + 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        long end = warmUpEnd + (long) (seconds * 1e9);
        for (int c = 0; c < CALLERS; c++) {
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        int from = (int) (next.getAndAdd(step) % texts);
                        work.run(from, step);
                        if (System.nanoTime() > warmUpEnd) {
                            done.addAndGet(step);
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "layout-bench-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("benchmark loop failed", failure.get());
        }
        return done.get() / ((System.nanoTime() - warmUpEnd) / 1e9);
    }
}
