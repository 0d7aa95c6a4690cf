package dev.streaminfer.contract.concurrent;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Background threads that never keep a JVM alive (a TaskManager, the API, a CLI) and that a
 * thread dump names after their job.
 */
public final class DaemonThreads {

    private DaemonThreads() {}

    /** One daemon thread named {@code name} running scheduled work (timers, pollers, probes). */
    public static ScheduledExecutorService singleThreadScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name));
    }

    /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... for a pool. */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> daemon(r, prefix + "-" + count.incrementAndGet());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
