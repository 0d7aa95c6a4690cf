package dev.streaminfer.contract.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    @Test
    void theSchedulerRunsOnOneNamedDaemonThread() throws Exception {
        ScheduledExecutorService scheduler = DaemonThreads.singleThreadScheduler("probe");
        try {
            Thread first = scheduler.schedule(Thread::currentThread, 1, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
            Thread second = scheduler.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            assertThat(first.getName()).isEqualTo("probe");
            assertThat(first.isDaemon()).isTrue();
            assertThat(second).isSameAs(first);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void numberedThreadsAreDaemonsCountedFromOne() {
        ThreadFactory factory = DaemonThreads.numbered("infer");
        Thread a = factory.newThread(() -> { });
        Thread b = factory.newThread(() -> { });
        assertThat(a.getName()).isEqualTo("infer-1");
        assertThat(b.getName()).isEqualTo("infer-2");
        assertThat(a.isDaemon()).isTrue();
        assertThat(b.isDaemon()).isTrue();
    }
}
