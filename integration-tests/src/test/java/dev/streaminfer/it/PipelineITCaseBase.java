package dev.streaminfer.it;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions.TaskManagerLoadBalanceMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Flink MiniCluster a pipeline ITCase runs the job on (see {@link PipelineFixture#startJob()}),
 * declared once, as apache/flink-connector-jdbc's {@code JdbcITCaseBase} does: JUnit starts it
 * before the test class and stops it after, so each extending class gets a cluster of its own.
 * A test that needs the cluster itself (to kill a TaskManager) takes a
 * {@code @InjectMiniCluster MiniCluster} parameter.
 *
 * <p>Two TaskManagers with two slots each. Slots are spread over the TaskManagers
 * ({@code taskmanager.load-balance.mode: SLOTS}), so the job (parallelism 2) runs on both and
 * {@code terminateTaskManager(0)} always takes part of it down; with Flink's default (packing
 * slots onto as few TaskManagers as possible) that TaskManager might hold none of the job.
 *
 * <p>A class that needs the cluster configured differently registers its own extension from
 * {@link #miniCluster(Configuration)} instead of extending this class (two registered clusters
 * would each start): only {@link MetricsExportITCase}, for its Prometheus reporter.
 */
abstract class PipelineITCaseBase {

    static final int TASK_MANAGERS = 2;
    static final int SLOTS_PER_TASK_MANAGER = 2;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = miniCluster(new Configuration());

    /**
     * A MiniCluster of the shape above, with {@code extra} applied on top of its configuration;
     * the configuration is built afresh for every test class that starts it.
     */
    static MiniClusterExtension miniCluster(Configuration extra) {
        return new MiniClusterExtension(() -> {
            Configuration conf = new Configuration();
            conf.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerLoadBalanceMode.SLOTS);
            conf.addAll(extra);
            return new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumberTaskManagers(TASK_MANAGERS)
                    .setNumberSlotsPerTaskManager(SLOTS_PER_TASK_MANAGER)
                    .build();
        });
    }
}
