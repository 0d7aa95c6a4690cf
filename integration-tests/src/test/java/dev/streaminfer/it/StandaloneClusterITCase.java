package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.cluster.StandaloneCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job on a real multi-process Flink cluster ({@link StandaloneCluster}: a JobManager and
 * TaskManager JVMs from Flink's entry points, adaptive scheduler, one slot per TaskManager,
 * RocksDB, the shaded job jar submitted over REST), with requests from many users streaming in
 * while the cluster changes under the job: a TaskManager process killed with {@code kill -9},
 * TaskManagers added and removed (the adaptive scheduler rescales in place), and the job stopped
 * with a savepoint and resubmitted at another parallelism. After each change {@link OneOutcome}
 * checks every request of the run so far: one outcome in PostgreSQL, Redis and the committed
 * results topic, charged what its texts cost, and per user the quota state (usage document),
 * PostgreSQL's charged tokens and the expected sum agree: nothing lost, doubled or drifted.
 */
class StandaloneClusterITCase {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterITCase.class);
    /** The job's parallelism bound: the requests topic's partitions ({@link PipelineFixture}). */
    private static final int MAX_PARALLELISM = 4;
    private static final Duration RESCALE_TIMEOUT = Duration.ofMinutes(2);
    /** Users in the rescale tests: each gets quota state before the first change. */
    private static final int USERS = 2_000;

    @Test
    void killedTaskManagerProcessLosesDoublesAndDoubleChargesNothing() throws Exception {
        try (StandaloneCluster cluster = ClusterUnderTest.start("kill", 2);
             PipelineFixture fixture = new PipelineFixture()) {
            JobID job = fixture.startJobOn(cluster, 2, null).getJobID();
            try (RequestStream stream = new RequestStream(fixture, 300, "kill")) {
                stream.awaitFinished(100);
                StandaloneCluster.TaskManager victim = cluster.taskManagers().get(0);
                cluster.kill(victim);
                assertThat(victim.process().isAlive()).as("the killed TaskManager JVM").isFalse();
                cluster.addTaskManager();
                // the job runs on as if nothing happened until the heartbeat times out: wait for its failover first
                Duration failedOver = awaitFailover(cluster, job);
                LOG.info("TaskManager {} killed and replaced; the job failed over after {}, back at parallelism 2 {} later",
                        victim.id(), failedOver, cluster.awaitRunning(job, 2, RESCALE_TIMEOUT));
                stream.awaitFinished(stream.written() + 100);
            }
            assertThat(OneOutcome.assertEverywhere(fixture, fixture.inputs).values()).containsOnly("completed");
        }
    }

    @Test
    void rescalesInPlaceWhenTaskManagersComeAndGoWithoutDrift() throws Exception {
        try (StandaloneCluster cluster = ClusterUnderTest.start("rescale-in-place", 2);
             PipelineFixture fixture = new PipelineFixture()) {
            JobID job = fixture.startJobOn(cluster, MAX_PARALLELISM, null).getJobID();
            assertMaxParallelismAllows(cluster, job, MAX_PARALLELISM);
            seedEveryUser(fixture);

            try (RequestStream stream = new RequestStream(fixture, USERS, "up")) {
                stream.awaitFinished(100);
                cluster.addTaskManager();
                cluster.addTaskManager();
                LOG.info("2 -> 4 in place: {}", cluster.awaitRunning(job, 4, RESCALE_TIMEOUT));
                stream.awaitFinished(stream.written() + 200);
            }
            assertThat(cluster.vertexParallelism(job).values()).containsOnly(4);
            assertAllCompletedEverywhere(fixture);

            try (RequestStream stream = new RequestStream(fixture, USERS, "down")) {
                stream.awaitFinished(100);
                List<StandaloneCluster.TaskManager> oldest = cluster.taskManagers().subList(0, 2);
                for (StandaloneCluster.TaskManager taskManager : List.copyOf(oldest)) {
                    cluster.stop(taskManager);
                }
                LOG.info("4 -> 2 in place: {}", cluster.awaitRunning(job, 2, RESCALE_TIMEOUT));
                stream.awaitFinished(stream.written() + 200);
            }
            assertThat(cluster.vertexParallelism(job).values()).containsOnly(2);
            assertAllCompletedEverywhere(fixture);
        }
    }

    @Test
    void rescalesFromSavepointsTwoToFourToOneWithoutDrift() throws Exception {
        String name = "rescale-savepoint";
        try (StandaloneCluster cluster = ClusterUnderTest.start(name, 2);
             PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJobOn(cluster, 2, null);
            seedEveryUser(fixture);

            String savepoint;
            try (RequestStream stream = new RequestStream(fixture, USERS, "to four")) {
                stream.awaitFinished(100);
                savepoint = fixture.stopJobWithSavepoint(ClusterUnderTest.savepoints(name));
                cluster.addTaskManager();
                cluster.addTaskManager();
                cluster.awaitTaskManagers(4, RESCALE_TIMEOUT);
                JobID job = fixture.startJobOn(cluster, 4, savepoint).getJobID();
                assertThat(cluster.vertexParallelism(job).values()).containsOnly(4);
                stream.awaitFinished(stream.written() + 200);
            }
            assertAllCompletedEverywhere(fixture);

            try (RequestStream stream = new RequestStream(fixture, USERS, "to one")) {
                stream.awaitFinished(100);
                savepoint = fixture.stopJobWithSavepoint(ClusterUnderTest.savepoints(name));
                JobID job = fixture.startJobOn(cluster, 1, savepoint).getJobID();
                assertThat(cluster.vertexParallelism(job).values()).containsOnly(1);
                stream.awaitFinished(stream.written() + 200);
            }
            assertAllCompletedEverywhere(fixture);
        }
    }

    /** One request per user, all final, so every user has quota state before the cluster changes. */
    private static void seedEveryUser(PipelineFixture fixture) throws Exception {
        List<String> seeded = fixture.produceRequests(0, USERS, USERS, "seed", System.currentTimeMillis());
        fixture.awaitFinalRows(seeded, Duration.ofSeconds(180));
    }

    private static void assertAllCompletedEverywhere(PipelineFixture fixture) throws Exception {
        Map<String, String> statuses = OneOutcome.assertEverywhere(fixture, fixture.inputs);
        assertThat(statuses.values()).as("statuses of %d requests", statuses.size()).containsOnly("completed");
    }

    /** Every vertex may run at {@code parallelism}: its max parallelism (key groups) is at least that. */
    private static void assertMaxParallelismAllows(StandaloneCluster cluster, JobID job, int parallelism)
            throws Exception {
        var vertices = cluster.get("/jobs/" + job).path("vertices");
        assertThat(vertices).isNotEmpty();
        vertices.forEach(v -> assertThat(v.path("maxParallelism").asInt())
                .as("max parallelism of %s", v.path("name").asText()).isGreaterThanOrEqualTo(parallelism));
    }

    /** Waits until the job's exception history shows a failover; returns how long that took. */
    private static Duration awaitFailover(StandaloneCluster cluster, JobID job) throws Exception {
        long start = System.nanoTime();
        long deadline = start + RESCALE_TIMEOUT.toNanos();
        while (cluster.get("/jobs/" + job + "/exceptions?maxExceptions=100").at("/exceptionHistory/entries").isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the job did not fail over within " + RESCALE_TIMEOUT + " of the kill");
            }
            Thread.sleep(250);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Requests written straight to the requests topic while the test changes the cluster: 10 every
     * 200 ms (a rate the job keeps up with on two cores, so a change finds requests in flight, not
     * a backlog), over {@code users} users in turn, until closed. Each is remembered in the
     * fixture's inputs for the check.
     */
    private static final class RequestStream implements AutoCloseable {
        private static final int CHUNK = 10;
        private static final long PAUSE_MS = 200;

        private final PipelineFixture fixture;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<Void> writer;

        RequestStream(PipelineFixture fixture, int users, String prefix) {
            this.fixture = fixture;
            this.writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int from = 0; !stopped.get(); from += CHUNK) {
                        ids.addAll(fixture.produceRequests(from, CHUNK, users, prefix, System.currentTimeMillis()));
                        Thread.sleep(PAUSE_MS);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("writing requests failed", e);
                }
            });
        }

        int written() {
            return ids.size();
        }

        /** Waits until at least {@code count} of this stream's requests have a final row. */
        void awaitFinished(int count) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                if (writer.isCompletedExceptionally()) {
                    writer.join();
                }
                List<String> sofar;
                synchronized (ids) {
                    sofar = List.copyOf(ids);
                }
                if (sofar.size() >= count && fixture.finalRows(sofar).size() >= count) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("fewer than " + count + " of " + sofar.size() + " requests final");
                }
                Thread.sleep(250);
            }
        }

        @Override
        public void close() {
            stopped.set(true);
            writer.join();
            LOG.info("{} requests written", ids.size());
        }
    }
}
