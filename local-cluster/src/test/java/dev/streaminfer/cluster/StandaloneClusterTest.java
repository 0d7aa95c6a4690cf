package dev.streaminfer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain pieces of {@link StandaloneCluster}, without starting a JVM. */
class StandaloneClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void defaultPortsAreFlinksAndTaskManagersCountOnFromTheFirst() {
        StandaloneCluster.Ports ports = StandaloneCluster.Ports.defaults();
        assertThat(List.of(ports.rest(), ports.rpc(), ports.jobManagerMetrics())).containsExactly(8081, 6123, 9249);
        assertThat(List.of(ports.taskManagerMetrics(0), ports.taskManagerMetrics(3))).containsExactly(9250, 9253);
    }

    @Test
    void freePortsAreDistinctAndTheTaskManagerRangeCanBeBound() throws Exception {
        StandaloneCluster.Ports ports = StandaloneCluster.Ports.free(5);
        List<Integer> all = List.of(ports.rest(), ports.rpc(), ports.jobManagerMetrics(),
                ports.taskManagerMetrics(0), ports.taskManagerMetrics(1), ports.taskManagerMetrics(2),
                ports.taskManagerMetrics(3), ports.taskManagerMetrics(4));
        assertThat(all).doesNotHaveDuplicates();
        for (int i = 0; i < 5; i++) {
            try (ServerSocket socket = new ServerSocket(ports.taskManagerMetrics(i))) {
                assertThat(socket.getLocalPort()).isEqualTo(ports.taskManagerMetrics(i));
            }
        }
    }

    @Test
    void settingsWrittenAsYamlLoadBackAsFlinkReadsThem(@TempDir Path dir) throws Exception {
        StandaloneCluster.Ports ports = new StandaloneCluster.Ports(18081, 16123, 19249, 19250);
        Map<String, String> settings = new LinkedHashMap<>(StandaloneCluster.settings(dir, ports, Path.of("/tmp/rdb1")));
        // a value YAML would otherwise read as a number, a boolean or a quote
        settings.put("streaminfer.test.quoted", "it's 'quoted': true");
        StandaloneCluster.writeConfiguration(dir, settings);

        Configuration loaded = GlobalConfiguration.loadConfiguration(dir.toString());
        assertThat(loaded.get(RestOptions.PORT)).isEqualTo(18081);
        assertThat(loaded.get(JobManagerOptions.PORT)).isEqualTo(16123);
        assertThat(loaded.get(JobManagerOptions.SCHEDULER)).isEqualTo(JobManagerOptions.SchedulerType.Adaptive);
        assertThat(loaded.get(TaskManagerOptions.NUM_TASK_SLOTS)).isEqualTo(1);
        assertThat(loaded.getString("state.backend.type", null)).isEqualTo("rocksdb");
        assertThat(loaded.getString("io.tmp.dirs", null)).isEqualTo(dir.resolve("tmp").toString());
        assertThat(loaded.getString("state.backend.rocksdb.localdir", null)).isEqualTo("/tmp/rdb1");
        assertThat(loaded.getString("streaminfer.test.quoted", null)).isEqualTo("it's 'quoted': true");
        assertThat(loaded.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
                .containsExactly("ai.djl.", "ai.onnxruntime.");
        assertThat(dir.resolve("log4j2.properties")).isNotEmptyFile();
    }

    @Test
    void classpathIsThisModuleThenWhatAFlinkDistributionsLibHolds() throws Exception {
        List<String> entries = Arrays.asList(StandaloneCluster.classpath().split(File.pathSeparator));
        assertThat(entries.get(0)).as("this module, for ChildProcess")
                .isEqualTo(Path.of(StandaloneCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                        .toString());
        assertThat(entries).allSatisfy(entry -> assertThat(Files.exists(Path.of(entry))).as(entry).isTrue());
        assertThat(entries).anyMatch(e -> Path.of(e).getFileName().toString().startsWith("flink-runtime-"))
                .anyMatch(e -> Path.of(e).getFileName().toString().startsWith("flink-statebackend-rocksdb-"))
                .anyMatch(e -> Path.of(e).getFileName().toString().startsWith("flink-metrics-prometheus-"))
                .as("the job's JNI libraries, loaded parent-first")
                .anyMatch(e -> Path.of(e).getFileName().toString().startsWith("onnxruntime-"))
                .anyMatch(e -> Path.of(e).getFileName().toString().startsWith("tokenizers-"));
        assertThat(entries).as("no test libraries in the cluster's JVMs")
                .noneMatch(e -> Path.of(e).getFileName().toString().startsWith("junit-"));
    }

    @Test
    void aJobRunsAtAParallelismOnlyWhenEveryVertexHasAllItsTasksRunning() throws Exception {
        JsonNode running = JSON.readTree("""
                {"state":"RUNNING","vertices":[
                  {"name":"source","parallelism":4,"tasks":{"RUNNING":4}},
                  {"name":"quota","parallelism":4,"tasks":{"RUNNING":4}}]}""");
        JsonNode deploying = JSON.readTree("""
                {"state":"RUNNING","vertices":[
                  {"name":"source","parallelism":4,"tasks":{"RUNNING":4}},
                  {"name":"quota","parallelism":4,"tasks":{"RUNNING":3,"DEPLOYING":1}}]}""");
        JsonNode restarting = JSON.readTree("""
                {"state":"RESTARTING","vertices":[{"name":"source","parallelism":4,"tasks":{"RUNNING":4}}]}""");
        JsonNode noVertices = JSON.readTree("{\"state\":\"RUNNING\",\"vertices\":[]}");

        assertThat(StandaloneCluster.runsAt(running, 4)).isTrue();
        assertThat(StandaloneCluster.runsAt(running, 2)).isFalse();
        assertThat(StandaloneCluster.runsAt(deploying, 4)).isFalse();
        assertThat(StandaloneCluster.runsAt(restarting, 4)).isFalse();
        assertThat(StandaloneCluster.runsAt(noVertices, 4)).isFalse();
    }
}
