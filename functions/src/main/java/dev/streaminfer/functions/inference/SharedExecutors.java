package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads that run inference, one fixed pool per device per JVM (TaskManager), shared by the
 * slots: the CPU cores (or a GPU) are the shared resource, so slots must not each start their
 * own threads and oversubscribe it. Reference-counted; the last release shuts the pool down.
 * {@link #occupancy} tells the batchers when a thread is free (work-conserving batching).
 */
public final class SharedExecutors {

    private static final Map<String, Entry> POOLS = new HashMap<>();

    private static final class Entry {
        final ThreadPoolExecutor executor;
        int references;

        Entry(ThreadPoolExecutor executor) {
            this.executor = executor;
        }
    }

    private SharedExecutors() {}

    /** The pool for {@code device}, started with {@code threads} threads by its first user. */
    public static synchronized ExecutorService acquire(ExecutionDevice device, int threads) {
        String name = "inference-" + device;
        Entry entry = POOLS.computeIfAbsent(name, n -> {
            return new Entry(new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), DaemonThreads.numbered(n)));
        });
        entry.references++;
        return entry.executor;
    }

    /** What the inference threads are doing, for work-conserving batching. */
    public enum Occupancy {
        /** No thread is running or claimed (or no pool is started yet). */
        IDLE,
        /** Some threads work, at least one is free. */
        SOME_FREE,
        /** Every thread is running or claimed by a queued task. */
        ALL_BUSY
    }

    /**
     * A snapshot over the pools of this JVM (the counts are approximate while threads start and
     * finish tasks): the freest pool decides.
     */
    public static Occupancy occupancy() {
        Entry[] entries;
        synchronized (SharedExecutors.class) {
            entries = POOLS.values().toArray(Entry[]::new);
        }
        Occupancy best = entries.length == 0 ? Occupancy.IDLE : Occupancy.ALL_BUSY;
        for (Entry e : entries) {
            int claimed = e.executor.getActiveCount() + e.executor.getQueue().size();
            if (claimed == 0) {
                return Occupancy.IDLE;
            }
            if (claimed < e.executor.getCorePoolSize()) {
                best = Occupancy.SOME_FREE;
            }
        }
        return best;
    }

    public static synchronized void release(ExecutionDevice device) {
        String name = "inference-" + device;
        Entry entry = POOLS.get(name);
        if (entry != null && --entry.references == 0) {
            POOLS.remove(name);
            entry.executor.shutdownNow();
        }
    }
}
