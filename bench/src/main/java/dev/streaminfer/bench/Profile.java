package dev.streaminfer.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * async-profiler (the library Flink's own profiler uses) around one benchmark point: CPU time
 * sampled per thread with the interval timer (no perf events needed), written as collapsed stacks
 * and summarised as the share of samples per thread group and per leaf frame.
 */
final class Profile {

    private final AsyncProfiler profiler;

    private Profile(AsyncProfiler profiler) {
        this.profiler = profiler;
    }

    /** Starts sampling every millisecond of CPU time, per thread. */
    static Profile start() throws IOException {
        String arch = System.getProperty("os.arch").contains("aarch64") ? "linux-arm64" : "linux-x64";
        Path lib = Files.createTempDirectory("async-profiler").resolve("libasyncProfiler.so");
        lib.toFile().deleteOnExit();
        lib.getParent().toFile().deleteOnExit();
        try (InputStream in = AsyncProfiler.class.getResourceAsStream("/" + arch + "/libasyncProfiler.so")) {
            if (in == null) {
                throw new IOException("async-profiler has no library for " + arch);
            }
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
        }
        AsyncProfiler profiler = AsyncProfiler.getInstance(lib.toAbsolutePath().toString());
        profiler.execute("start,event=itimer,interval=1ms,threads");
        return new Profile(profiler);
    }

    /** Stops, writes the collapsed stacks to {@code file}, and returns the summary. */
    Map<String, Object> stop(Path file, int top) throws IOException {
        profiler.stop();
        String collapsed = profiler.dumpCollapsed(Counter.SAMPLES);
        Files.writeString(file, collapsed);
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> byLeaf = new HashMap<>();
        long total = 0;
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long samples = Long.parseLong(line.substring(space + 1).trim());
            String[] frames = line.substring(0, space).split(";");
            total += samples;
            byThread.merge(threadGroup(frames[0]), samples, Long::sum);
            byLeaf.merge(frames[frames.length - 1], samples, Long::sum);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("samples", total);
        summary.put("collapsed_stacks", file.toString());
        summary.put("threads_pct", topShares(byThread, total, top));
        summary.put("leaf_frames_pct", topShares(byLeaf, total, top));
        return summary;
    }

    /** "[inference-cpu-1 tid=123]" → "inference-cpu-#": one group for a pool's threads. */
    static String threadGroup(String frame) {
        String name = frame.startsWith("[") ? frame.substring(1, frame.endsWith("]") ? frame.length() - 1 : frame.length())
                : frame;
        int tid = name.lastIndexOf(" tid=");
        if (tid >= 0) {
            name = name.substring(0, tid);
        }
        return name.replaceAll("\\d+", "#");
    }

    private static Map<String, Double> topShares(Map<String, Long> counts, long total, int top) {
        Map<String, Double> out = new LinkedHashMap<>();
        List<Map.Entry<String, Long>> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top).toList();
        for (Map.Entry<String, Long> e : sorted) {
            out.put(e.getKey(), Stats.round(100.0 * e.getValue() / Math.max(1, total), 1));
        }
        return out;
    }

    static String format(Map<String, Double> shares) {
        StringBuilder sb = new StringBuilder();
        shares.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%n    %5.1f%%  %s", v, k)));
        return sb.toString();
    }
}
