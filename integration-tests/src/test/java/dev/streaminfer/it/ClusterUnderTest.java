package dev.streaminfer.it;

import dev.streaminfer.cluster.StandaloneCluster;
import dev.streaminfer.localstack.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.util.FileUtils;

/**
 * A real multi-process Flink cluster ({@link StandaloneCluster}) for one test, over the shared
 * test services: its folder under {@code target/standalone-cluster/<name>} (kept after the run,
 * so the JobManager's and TaskManagers' logs can be read when a test fails), free ports, and
 * checkpoints and savepoints in that folder. Close it in a {@code try}: that stops every JVM.
 */
final class ClusterUnderTest {

    /** Set by failsafe to the shaded job jar the build copied (see this module's POM). */
    static final String JOB_JAR_PROPERTY = "streaminfer.job.jar";
    /** TaskManagers a test may start over its whole run, replacements included (each takes a metrics port). */
    private static final int MAX_TASK_MANAGERS = 8;

    private ClusterUnderTest() {}

    static StandaloneCluster start(String name, int taskManagers) throws Exception {
        Path dir = folder(name);
        deleteRecursively(dir);
        Map<String, String> state = Map.of(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), dir.resolve("checkpoints").toUri().toString(),
                CheckpointingOptions.SAVEPOINT_DIRECTORY.key(), savepoints(name).toUri().toString());
        return StandaloneCluster.start(dir, StandaloneCluster.Ports.free(MAX_TASK_MANAGERS), taskManagers, state,
                TestServices.get().endpoints().asEnvironment());
    }

    static Path savepoints(String name) {
        return folder(name).resolve("savepoints");
    }

    static Path jobJar() {
        String jar = System.getProperty(JOB_JAR_PROPERTY);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no shaded job jar at " + JOB_JAR_PROPERTY + "=" + jar
                    + ": run the cluster tests through Maven (verify), which copies it");
        }
        return Path.of(jar);
    }

    private static Path folder(String name) {
        return Path.of("target", "standalone-cluster", name).toAbsolutePath();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        FileUtils.deleteDirectory(dir.toFile());
    }
}
