package dev.streaminfer.functions.inference;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run inference, one fixed pool per device per JVM (TaskManager), shared by the
 * slots: the CPU cores (or a GPU) are the shared resource, so slots must not each start their
 * own threads and oversubscribe it. Reference-counted; the last release shuts the pool down.
 */
public final class SharedExecutors {

    private static final Map<String, Entry> POOLS = new HashMap<>();

    private static final class Entry {
        final ExecutorService executor;
        int references;

        Entry(ExecutorService executor) {
            this.executor = executor;
        }
    }

    private SharedExecutors() {}

    /** The pool for {@code device}, started with {@code threads} threads by its first user. */
    public static synchronized ExecutorService acquire(ExecutionDevice device, int threads) {
        String name = "inference-" + device;
        Entry entry = POOLS.computeIfAbsent(name, n -> {
            AtomicInteger count = new AtomicInteger();
            return new Entry(Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, n + "-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            }));
        });
        entry.references++;
        return entry.executor;
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
