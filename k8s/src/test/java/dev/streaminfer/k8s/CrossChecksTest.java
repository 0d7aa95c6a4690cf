package dev.streaminfer.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The manifests against the rest of the project: Flink and job options exist and parse, the
 * values of flink-conf/config.yaml are the ones deployed, topics are the local stack's, ports
 * match the monitors, images carry the project version, network policies let only the API and
 * the job reach the stores.
 */
class CrossChecksTest {

    private static final String JOB = "streaminfer-job";

    static Stream<String> targets() {
        return Kustomize.targets().stream();
    }

    // ---- Flink configuration -------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void everyFlinkConfigurationKeyIsAKnownOptionWithAValidValue(String target) {
        Map<String, String> conf = flinkConfiguration(target);
        List<String> problems = new ArrayList<>();
        conf.forEach((key, value) -> optionProblem(key, value, conf).ifPresent(p -> problems.add(key + ": " + p)));
        assertThat(problems).as("flinkConfiguration of k8s/%s", target).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void everyJobArgumentIsAStreaminferOptionWithAValidValue(String target) {
        List<String> problems = new ArrayList<>();
        Map<String, String> args = new LinkedHashMap<>();
        for (JsonNode arg : flinkDeployment(target).at("/spec/job/args")) {
            String text = arg.asString();
            Matcher m = Pattern.compile("--([^=\\s]+)=(.*)").matcher(text);
            if (!m.matches()) {
                problems.add(text + ": write job arguments as --key=value (one list item each)");
                continue;
            }
            if (args.put(m.group(1), m.group(2)) != null) {
                problems.add(m.group(1) + ": given twice");
            }
            if (!m.group(1).startsWith("streaminfer.")) {
                problems.add(m.group(1) + ": job arguments are the job's streaminfer.* options; Flink options go in flinkConfiguration");
            }
            OptionCatalog.get().problem(m.group(1), m.group(2)).ifPresent(p -> problems.add(m.group(1) + ": " + p));
        }
        assertThat(problems).as("spec.job.args of k8s/%s", target).isEmpty();
        assertThat(args).as("spec.job.args of k8s/%s", target)
                .containsKeys("streaminfer.kafka.bootstrap-servers", "streaminfer.postgres.url", "streaminfer.checkpoint-interval");
    }

    /** The options flink-conf/config.yaml sets (except the job's and the GPU ones) have the same value in every FlinkDeployment. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void flinkConfYamlValuesAreTheDeployedOnes(String target) {
        Map<String, String> reference = flinkConfYaml();
        Map<String, String> deployed = flinkConfiguration(target);
        Configuration referenceConf = Configuration.fromMap(reference);
        Configuration deployedConf = Configuration.fromMap(deployed);
        boolean gpu = target.equals("overlays/gpu");
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : reference.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("streaminfer.")) {
                continue; // endpoints and tuning differ by design; passed as job arguments
            }
            if (key.startsWith("external-resource")) {
                if (gpu && !e.getValue().equals(deployed.get(key))) {
                    problems.add(key + ": " + deployed.get(key) + " in the GPU overlay, " + e.getValue() + " in flink-conf");
                } else if (!gpu && deployed.containsKey(key)) {
                    problems.add(key + ": GPU keys only belong to the GPU overlay (the discovery script fails without nvidia-smi)");
                }
                continue;
            }
            Optional<ConfigOption<?>> option = OptionCatalog.get().flinkOption(key);
            Object want = option.<Object>map(referenceConf::get).orElse(e.getValue());
            Object have = option.<Object>map(deployedConf::get).orElse(deployed.get(key));
            if (!want.equals(have)) {
                problems.add(key + (option.isPresent() && !option.get().key().equals(key) ? " (now " + option.get().key() + ")" : "")
                        + ": " + have + " deployed, " + want + " in flink-conf/config.yaml");
            }
        }
        assertThat(problems).as("k8s/%s against flink-conf/config.yaml", target).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theJobRunsInApplicationModeWithSavepointUpgradesKubernetesHaAndIncrementalRocksDb(String target) {
        Manifest fd = flinkDeployment(target);
        Map<String, String> conf = flinkConfiguration(target);
        assertThat(fd.at("/spec/flinkVersion").asString()).isEqualTo("v2_3");
        assertThat(fd.at("/spec/mode").asString()).isEqualTo("native");
        assertThat(fd.at("/spec/job/upgradeMode").asString()).isEqualTo("savepoint");
        assertThat(fd.at("/spec/job/state").asString()).isEqualTo("running");
        assertThat(conf).containsEntry("high-availability.type", "kubernetes")
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true");
        for (String dir : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir")) {
            assertThat(conf.get(dir)).as(dir).startsWith("s3://");
        }
        // The jar the operator starts is the one the image puts there.
        String jarUri = fd.at("/spec/job/jarURI").asString();
        assertThat(jarUri).startsWith("local://");
        String inImage = jarUri.substring("local://".length());
        for (String dockerfile : List.of("images/job/Dockerfile", "images/job/Dockerfile.gpu")) {
            assertThat(Project.read(Project.k8sDir().resolve(dockerfile))).as(dockerfile).contains(" " + inImage);
        }
        // The entry class exists and has a main method.
        String entryClass = fd.at("/spec/job/entryClass").asString();
        Optional<Class<?>> main = ClassPathScan.load(entryClass);
        assertThat(main).as("spec.job.entryClass %s on the job's class path", entryClass).isPresent();
        assertThat(Stream.of(main.get().getMethods()).anyMatch(m -> m.getName().equals("main") && Modifier.isStatic(m.getModifiers())))
                .as("%s has a static main", entryClass).isTrue();
        // The service account exists and has the Role the JobManager needs.
        String sa = fd.at("/spec/serviceAccount").asString();
        List<Manifest> all = Kustomize.render(target);
        Manifest.one(all, "ServiceAccount", sa);
        assertThat(Manifest.ofKind(all, "RoleBinding")).anyMatch(rb -> rb.at("/subjects/0/name").asString().equals(sa));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void autoscalingIsOnBoundedByTheRequestTopicsPartitions(String target) {
        Map<String, String> conf = flinkConfiguration(target);
        assertThat(conf).containsEntry("job.autoscaler.enabled", "true")
                .containsEntry("jobmanager.scheduler", "adaptive")
                .containsKeys("job.autoscaler.utilization.target", "job.autoscaler.metrics.window",
                        "job.autoscaler.stabilization.interval", "job.autoscaler.scale-down.interval",
                        "job.autoscaler.vertex.max-parallelism");
        int partitions = topic(target, jobArgument(target, "streaminfer.topics.requests")).at("/spec/partitions").asInt();
        int maxParallelism = Integer.parseInt(conf.get("job.autoscaler.vertex.max-parallelism"));
        assertThat(maxParallelism).as("job.autoscaler.vertex.max-parallelism <= partitions of the request topic (%s)", partitions)
                .isBetween(1, partitions);
        assertThat(Integer.parseInt(conf.get("pipeline.max-parallelism"))).isGreaterThanOrEqualTo(maxParallelism);
        assertThat(flinkDeployment(target).at("/spec/job/parallelism").asInt()).isBetween(
                Integer.parseInt(conf.getOrDefault("job.autoscaler.vertex.min-parallelism", "1")), maxParallelism);
        double target_ = Double.parseDouble(conf.get("job.autoscaler.utilization.target"));
        assertThat(target_).isStrictlyBetween(0.0, 1.0);
        if (conf.containsKey("job.autoscaler.utilization.min")) {
            assertThat(Double.parseDouble(conf.get("job.autoscaler.utilization.min"))).isLessThan(target_);
        }
        if (conf.containsKey("job.autoscaler.utilization.max")) {
            assertThat(Double.parseDouble(conf.get("job.autoscaler.utilization.max"))).isGreaterThan(target_).isLessThanOrEqualTo(1.0);
        }
        assertThat(duration(conf.get("job.autoscaler.stabilization.interval")))
                .as("stabilization.interval < metrics.window").isLessThan(duration(conf.get("job.autoscaler.metrics.window")));
    }

    @Test
    void theGpuOverlayGivesEachTaskManagerOneGpuAndOneSlot() {
        Manifest fd = flinkDeployment("overlays/gpu");
        Map<String, String> conf = flinkConfiguration("overlays/gpu");
        assertThat(conf).containsEntry("external-resources", "gpu")
                .containsEntry("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory")
                .containsEntry("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu");
        int gpus = Integer.parseInt(conf.get("external-resource.gpu.amount"));
        assertThat(gpus).isPositive();
        assertThat(Integer.parseInt(conf.get("taskmanager.numberOfTaskSlots"))).as("one slot per GPU").isEqualTo(gpus);

        JsonNode tm = fd.at("/spec/taskManager/podTemplate/spec");
        JsonNode main = container(tm, "flink-main-container");
        assertThat(main.at("/resources/limits").path(conf.get("external-resource.gpu.kubernetes.config-key")).asInt())
                .as("the TaskManager pod template's limit of nvidia.com/gpu").isEqualTo(gpus);
        assertThat(tm.path("tolerations")).anyMatch(t -> t.path("key").asString().equals("nvidia.com/gpu"));
        assertThat(tm.path("nodeSelector").size()).as("nodeSelector for GPU nodes").isPositive();
        assertThat(fd.at("/spec/jobManager/podTemplate/spec").path("tolerations").isMissingNode())
                .as("the JobManager does not go to GPU nodes").isTrue();

        assertThat(fd.at("/spec/image").asString()).isEqualTo("streaminfer/job-gpu:" + Project.version());
        assertThat(jobArgument("overlays/gpu", "streaminfer.inference.device")).isIn("cuda", "auto");
        String dockerfile = Project.read(Project.k8sDir().resolve("images/job/Dockerfile.gpu"));
        assertThat(dockerfile).contains("mvn -Pgpu").contains("libonnxruntime_providers_cuda.so").contains("external-resource-gpu");
    }

    /**
     * The pods the operator will create: podTemplate merged with jobManager/taskManager.podTemplate
     * the way operator 1.15 does it (FlinkUtils.mergePodTemplates: objects field by field, arrays
     * by position unless kubernetes.operator.pod-template.merge-arrays-by-name). The result must
     * still be a valid pod with every variable of the shared template, once.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theMergedJobManagerAndTaskManagerPodsKeepTheSharedTemplate(String target) {
        Manifest fd = flinkDeployment(target);
        boolean byName = Boolean.parseBoolean(flinkConfiguration(target).getOrDefault("kubernetes.operator.pod-template.merge-arrays-by-name", "false"));
        JsonNode shared = fd.at("/spec/podTemplate");
        JsonNode sharedMain = container(shared.path("spec"), "flink-main-container");
        for (String role : List.of("jobManager", "taskManager")) {
            JsonNode own = fd.at("/spec/" + role + "/podTemplate");
            JsonNode merged = shared.deepCopy();
            if (!own.isMissingNode()) {
                mergeInto(merged, own, byName);
            }
            tools.jackson.databind.node.ObjectNode pod = ((tools.jackson.databind.node.ObjectNode) merged.deepCopy())
                    .put("apiVersion", "v1").put("kind", "Pod");
            assertThat(CoreSchemas.validate(pod, io.fabric8.kubernetes.api.model.Pod.class, role + " pod"))
                    .as("the merged %s pod of k8s/%s", role, target).isEmpty();
            JsonNode main = container(merged.path("spec"), "flink-main-container");
            List<String> names = streamOf(main.path("env")).map(v -> v.path("name").asString()).toList();
            assertThat(names).as("%s env after the merge", role).doesNotHaveDuplicates()
                    .containsAll(streamOf(sharedMain.path("env")).map(v -> v.path("name").asString()).toList());
            for (JsonNode var : main.path("env")) {
                assertThat(var.has("value") && var.has("valueFrom")).as("%s env %s has both value and valueFrom", role, var).isFalse();
            }
            assertThat(main.path("ports")).anyMatch(p -> p.path("name").asString().equals("metrics"));
        }
    }

    /** FlinkUtils.mergeInto of operator 1.15 (Jackson 3 here). */
    static void mergeInto(JsonNode to, JsonNode from, boolean byName) {
        for (Map.Entry<String, JsonNode> e : from.properties()) {
            JsonNode toChild = to.get(e.getKey());
            JsonNode fromChild = e.getValue();
            if (toChild != null && toChild.isArray() && fromChild.isArray()) {
                mergeArray((tools.jackson.databind.node.ArrayNode) toChild, (tools.jackson.databind.node.ArrayNode) fromChild, byName);
            } else if (toChild != null && toChild.isObject()) {
                mergeInto(toChild, fromChild, byName);
            } else if (to instanceof tools.jackson.databind.node.ObjectNode o) {
                o.set(e.getKey(), fromChild);
            }
        }
    }

    private static void mergeArray(tools.jackson.databind.node.ArrayNode to, tools.jackson.databind.node.ArrayNode from, boolean byName) {
        boolean named = streamOf(to).allMatch(n -> n.has("name")) && streamOf(from).allMatch(n -> n.has("name"));
        if (byName && named) {
            Map<String, JsonNode> grouped = new LinkedHashMap<>();
            to.forEach(n -> grouped.put(n.path("name").asString(), n));
            for (JsonNode f : from) {
                JsonNode t = grouped.get(f.path("name").asString());
                if (t == null) {
                    grouped.put(f.path("name").asString(), f);
                } else {
                    mergeInto(t, f, byName);
                }
            }
            to.removeAll();
            grouped.values().forEach(to::add);
        } else {
            for (int i = 0; i < from.size(); i++) {
                if (to.size() <= i) {
                    to.add(from.get(i));
                }
                mergeInto(to.get(i), from.get(i), byName);
            }
        }
    }

    @Test
    void theCpuOverlayAsksForNoGpu() {
        String rendered = Kustomize.render("overlays/cpu").toString();
        assertThat(rendered).doesNotContain("nvidia.com/gpu");
        assertThat(flinkConfiguration("overlays/cpu").keySet()).noneMatch(k -> k.startsWith("external-resource"));
        assertThat(flinkDeployment("overlays/cpu").at("/spec/image").asString()).isEqualTo("streaminfer/job:" + Project.version());
    }

    /** The job refuses to start unless this holds (DeliveryLimits, README "Configuration"); check it before a deploy does. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void checkpointAndTransactionTimeoutsAgree(String target) {
        Map<String, String> conf = flinkConfiguration(target);
        Duration interval = duration(jobArgument(target, "streaminfer.checkpoint-interval"));
        Duration timeout = duration(jobArgumentOrDefault(target, "streaminfer.checkpoint-timeout"));
        assertThat(interval).as("streaminfer.checkpoint-interval = execution.checkpointing.interval")
                .isEqualTo(duration(conf.get("execution.checkpointing.interval")));
        assertThat(timeout).as("streaminfer.checkpoint-timeout = execution.checkpointing.timeout")
                .isEqualTo(duration(conf.get("execution.checkpointing.timeout")));
        Duration backoff = duration(conf.getOrDefault("restart-strategy.exponential-delay.max-backoff",
                defaultValue("restart-strategy.exponential-delay.max-backoff")));
        Duration tx = duration(jobArgumentOrDefault(target, "streaminfer.kafka.transaction-timeout"));
        assertThat(tx).as("transaction-timeout > checkpoint interval + timeout + restart max-backoff")
                .isGreaterThan(interval.plus(timeout).plus(backoff));
        long brokerMax = kafka(target).at("/spec/kafka/config").path("transaction.max.timeout.ms").asLong(900_000);
        assertThat(tx.toMillis()).as("transaction-timeout <= the brokers' transaction.max.timeout.ms").isLessThanOrEqualTo(brokerMax);
    }

    // ---- Kafka -----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void topicsAreTheLocalStacksWithTheSamePartitionsAndSettings(String target) {
        Map<String, LocalTopic> local = localStackTopics();
        List<Manifest> topics = Manifest.ofKind(Kustomize.render(target), "KafkaTopic");
        Map<String, Manifest> byName = new LinkedHashMap<>();
        topics.forEach(t -> byName.put(topicName(t), t));
        assertThat(byName.keySet()).as("KafkaTopics of k8s/%s", target).containsExactlyInAnyOrderElementsOf(local.keySet());
        String cluster = kafka(target).name();
        for (LocalTopic want : local.values()) {
            Manifest t = byName.get(want.name());
            assertThat(t.at("/metadata/labels").path("strimzi.io/cluster").asString()).as(want.name() + " cluster label").isEqualTo(cluster);
            assertThat(t.at("/spec/partitions").asInt()).as(want.name() + " partitions").isEqualTo(want.partitions());
            Map<String, String> config = Manifest.flatten(t.at("/spec/config"));
            // What the local stack sets, k8s sets alike; compaction and size limits also where it sets none.
            Set<String> keys = new TreeSet<>(want.configs().keySet());
            keys.addAll(List.of("cleanup.policy", "max.message.bytes"));
            for (String key : keys) {
                String inLocalStack = want.configs().get(key);
                String deployed = config.get(key);
                if (key.equals("cleanup.policy") && "delete".equals(inLocalStack) && deployed == null) {
                    continue; // the broker default
                }
                assertThat(Optional.ofNullable(deployed)).as(want.name() + " " + key).isEqualTo(Optional.ofNullable(inLocalStack));
            }
        }
        int maxRecord = Integer.parseInt(jobArgumentOrDefault(target, "streaminfer.kafka.max-record-bytes"));
        for (String topicOption : List.of("streaminfer.topics.results", "streaminfer.topics.dlq")) {
            Manifest t = topic(target, jobArgumentOrDefault(target, topicOption));
            assertThat(Long.parseLong(Manifest.flatten(t.at("/spec/config")).getOrDefault("max.message.bytes", "1048588")))
                    .as("%s max.message.bytes >= streaminfer.kafka.max-record-bytes", topicName(t)).isGreaterThanOrEqualTo(maxRecord);
        }
        // Every topic the job and the API name exists.
        List<String> topicOptions = OptionCatalog.get().keysStartingWith("streaminfer.topics.");
        assertThat(topicOptions).as("the job's topic options").contains("streaminfer.topics.requests");
        for (String option : topicOptions) {
            assertThat(byName).as(option).containsKey(jobArgumentOrDefault(target, option));
        }
        Map<String, String> apiEnv = env(container(apiPod(target), "ingest-api"));
        assertThat(byName).containsKeys(apiEnv.get("API_REQUESTS_TOPIC"), apiEnv.get("API_QUOTA_UPDATES_TOPIC"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theJobAndTheApiUseTheKafkaAndStoresThisRenderDefines(String target) {
        String bootstrap = kafka(target).name() + "-kafka-bootstrap:" + kafka(target).at("/spec/kafka/listeners/0/port").asInt();
        assertThat(jobArgument(target, "streaminfer.kafka.bootstrap-servers")).isEqualTo(bootstrap);
        Map<String, String> apiEnv = env(container(apiPod(target), "ingest-api"));
        assertThat(apiEnv.get("KAFKA_BOOTSTRAP_SERVERS")).isEqualTo(bootstrap);
        String pg = "jdbc:postgresql://" + Manifest.ofKind(Kustomize.render(target), "Cluster").get(0).name() + "-rw:5432/"
                + Manifest.ofKind(Kustomize.render(target), "Cluster").get(0).at("/spec/bootstrap/initdb/database").asString();
        assertThat(jobArgument(target, "streaminfer.postgres.url")).isEqualTo(pg);
        assertThat(apiEnv.get("POSTGRES_URL")).isEqualTo(pg);
        Manifest redis = Manifest.one(Kustomize.render(target), "Service", "streaminfer-redis");
        assertThat(apiEnv.get("REDIS_URL")).endsWith("@" + redis.name() + ":" + redis.at("/spec/ports/0/port").asInt());
        assertThat(env(container(flinkDeployment(target).at("/spec/podTemplate/spec"), "flink-main-container")).get("REDIS_URL"))
                .isEqualTo(apiEnv.get("REDIS_URL"));
        assertThat(kafka(target).at("/spec/kafka/version").asString()).as("Kafka version = parent POM kafka.version")
                .isEqualTo(Project.parentProperty("kafka.version"));
    }

    // ---- monitoring ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void thePrometheusPortIsTheOneTheMonitorsScrape(String target) {
        Map<String, String> conf = flinkConfiguration(target);
        int port = Integer.parseInt(conf.get("metrics.reporter.prom.port"));
        assertThat(port).isEqualTo(Integer.parseInt(flinkConfYaml().get("metrics.reporter.prom.port"))).isEqualTo(9249);
        Manifest fd = flinkDeployment(target);
        List<Manifest> all = Kustomize.render(target);

        Manifest jobMonitor = Manifest.one(all, "PodMonitor", JOB);
        String portName = jobMonitor.at("/spec/podMetricsEndpoints/0/port").asString();
        JsonNode main = container(fd.at("/spec/podTemplate/spec"), "flink-main-container");
        assertThat(main.path("ports")).as("flink-main-container port named %s = %s", portName, port)
                .anyMatch(p -> p.path("name").asString().equals(portName) && p.path("containerPort").asInt() == port);
        assertThat(labelsMatch(jobMonitor.at("/spec/selector/matchLabels"), fd.at("/spec/podTemplate/metadata/labels")))
                .as("PodMonitor %s selects the Flink pods", JOB).isTrue();
        assertThat(allowedPorts(all, fd.at("/spec/podTemplate/metadata/labels"))).as("NetworkPolicy lets Prometheus reach %s", port).contains(port);

        Manifest apiMonitor = Manifest.one(all, "ServiceMonitor", "ingest-api");
        Manifest service = Manifest.one(all, "Service", "ingest-api");
        assertThat(labelsMatch(apiMonitor.at("/spec/selector/matchLabels"), service.at("/metadata/labels"))).isTrue();
        String endpointPort = apiMonitor.at("/spec/endpoints/0/port").asString();
        JsonNode servicePort = Stream.of(service.at("/spec/ports")).flatMap(ps -> streamOf(ps)).filter(p -> p.path("name").asString().equals(endpointPort))
                .findFirst().orElseThrow(() -> new AssertionError("Service ingest-api has no port " + endpointPort));
        JsonNode api = container(apiPod(target), "ingest-api");
        JsonNode containerPort = streamOf(api.path("ports")).filter(p -> p.path("name").asString().equals(servicePort.path("targetPort").asString()))
                .findFirst().orElseThrow(() -> new AssertionError("ingest-api container has no port " + servicePort.path("targetPort")));
        assertThat(containerPort.path("containerPort").asInt()).isEqualTo(Integer.parseInt(env(api).get("API_PORT"))).isEqualTo(8080);
        assertThat(apiMonitor.at("/spec/endpoints/0/path").asString()).isEqualTo("/metrics");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theDashboardAndAlertRulesAreThoseOfMonitoring(String target) throws Exception {
        List<Manifest> all = Kustomize.render(target);
        JsonMapper json = JsonMapper.builder().build();
        Manifest dashboard = Manifest.one(all, "ConfigMap", "streaminfer-grafana-dashboard");
        assertThat(json.readTree(dashboard.at("/data/streaminfer.json").asString()))
                .as("the dashboard ConfigMap is monitoring/grafana-dashboard.json (run k8s/sync-monitoring.sh)")
                .isEqualTo(json.readTree(Project.read(Project.root().resolve("monitoring/grafana-dashboard.json"))));
        Manifest rules = Manifest.one(all, "PrometheusRule", "streaminfer");
        JsonNode source = Manifest.YAML.readTree(Project.read(Project.root().resolve("monitoring/prometheus-alerts.yaml")));
        assertThat(rules.at("/spec/groups")).as("PrometheusRule groups are monitoring/prometheus-alerts.yaml (run k8s/sync-monitoring.sh)")
                .isEqualTo(source.path("groups"));
        for (String kind : List.of("PodMonitor", "ServiceMonitor", "PrometheusRule")) {
            assertThat(Manifest.ofKind(all, kind)).allMatch(m -> m.at("/metadata/labels").has("release"), kind + " labelled for the Prometheus selector");
        }
    }

    // ---- images and versions ---------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void ourImagesCarryTheProjectVersionAndOthersArePinned(String target) {
        List<String> problems = new ArrayList<>();
        for (Manifest m : Kustomize.render(target)) {
            RenderedManifestsTest.walk(m.node(), "", (path, key, value) -> {
                if (!key.equals("image") && !key.equals("imageName") || !value.isString()) {
                    return;
                }
                String image = value.asString();
                int colon = image.lastIndexOf(':');
                String tag = colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "";
                if (image.startsWith("streaminfer/") && !tag.equals(Project.version())) {
                    problems.add(m.id() + " " + path + ": " + image + " (tag must be the project version " + Project.version() + ")");
                } else if (tag.isEmpty() || tag.equals("latest")) {
                    problems.add(m.id() + " " + path + ": " + image + " is not pinned to a version");
                }
            });
        }
        assertThat(problems).as("images in k8s/%s", target).isEmpty();
    }

    @Test
    void dockerfilesUseTheProjectsVersions() {
        Map<String, String> props = Project.parentProperties();
        Map<String, String> expectedBase = Map.of(
                "images/job/Dockerfile", "flink:" + props.get("flink.version") + "-java17",
                "images/job/Dockerfile.gpu", "flink:" + props.get("flink.version") + "-java17",
                "images/migrations/Dockerfile", "flyway/flyway:" + props.get("flyway.version"),
                "images/ingest-api/Dockerfile", "eclipse-temurin:" + props.get("maven.compiler.release") + "-jre");
        expectedBase.forEach((file, base) -> {
            String text = Project.read(Project.k8sDir().resolve(file));
            assertThat(text).as(file).containsPattern("(?m)^FROM " + Pattern.quote(base) + "\\s*$");
            Matcher version = Pattern.compile("(?m)^ARG VERSION=(\\S+)").matcher(text);
            if (version.find()) {
                assertThat(version.group(1)).as(file + " ARG VERSION").isEqualTo(Project.version());
            }
            assertThat(Project.k8sDir().resolve(file + ".dockerignore")).as("build context filter of " + file).exists();
        });
        // What the Dockerfiles copy exists where the build puts it.
        assertThat(Project.read(Project.root().resolve("jobs/pom.xml"))).as("jobs builds the -job shaded jar the images copy")
                .contains("<shadedClassifierName>job</shadedClassifierName>");
        assertThat(Project.root().resolve("sql/src/main/resources/db/migration")).isDirectoryContaining("glob:**/V*__*.sql");
        Path api = Project.root().resolve("ingest-api/src/main/java/dev/streaminfer/api/IngestApi.java");
        assertThat(Project.read(api)).as("the API image's main class").contains("public static void main(");
    }

    // ---- environment -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void environmentVariablesAreOnesTheApplicationsRead(String target) {
        Set<String> apiNames = ingestApiEnvironment();
        Set<String> jobNames = jobEnvironment();
        List<String> problems = new ArrayList<>();
        JsonNode api = container(apiPod(target), "ingest-api");
        unknownVariables(api, apiNames, Set.of("JAVA_TOOL_OPTIONS", "DJL_CACHE_DIR", "HOME"), problems, "ingest-api");
        JsonNode flink = container(flinkDeployment(target).at("/spec/podTemplate/spec"), "flink-main-container");
        // AWS_*: credentials of the S3 filesystem plugin (environment credential provider).
        unknownVariables(flink, jobNames, Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), problems, JOB);
        assertThat(problems).as("k8s/%s", target).isEmpty();
    }

    // ---- network ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void onlyTheApiAndTheJobReachKafkaPostgresAndRedis(String target) {
        List<Manifest> all = Kustomize.render(target);
        JsonNode apiLabels = Manifest.one(all, "Deployment", "ingest-api").at("/spec/template/metadata/labels");
        JsonNode jobLabels = flinkDeployment(target).at("/spec/podTemplate/metadata/labels");
        JsonNode migrationLabels = Manifest.one(all, "Job", "streaminfer-migrations").at("/spec/template/metadata/labels");

        assertThat(Manifest.ofKind(all, "NetworkPolicy")).as("a default-deny ingress policy")
                .anyMatch(p -> p.at("/spec/podSelector").isEmpty() && p.at("/spec/ingress").isMissingNode()
                        && p.at("/spec/policyTypes").toString().contains("Ingress"));

        // Kafka: Strimzi writes the listener's policy from networkPolicyPeers.
        for (JsonNode listener : kafka(target).at("/spec/kafka/listeners")) {
            List<JsonNode> peers = streamOf(listener.path("networkPolicyPeers")).toList();
            assertThat(peers).as("listener %s networkPolicyPeers", listener.path("name").asString()).hasSize(2)
                    .allMatch(p -> p.has("podSelector") && !p.has("namespaceSelector") && !p.has("ipBlock"));
            assertThat(peers).anyMatch(p -> labelsMatch(p.at("/podSelector/matchLabels"), apiLabels));
            assertThat(peers).anyMatch(p -> labelsMatch(p.at("/podSelector/matchLabels"), jobLabels));
        }

        // Redis: exactly the API and the job.
        JsonNode redisLabels = Manifest.one(all, "StatefulSet", "streaminfer-redis").at("/spec/template/metadata/labels");
        List<JsonNode> redisPeers = peersOnPort(all, redisLabels, 6379);
        assertThat(redisPeers).as("who may connect to Redis").hasSize(2)
                .allMatch(p -> p.has("podSelector") && !p.has("namespaceSelector") && !p.has("ipBlock"));
        assertThat(redisPeers).anyMatch(p -> labelsMatch(p.at("/podSelector/matchLabels"), apiLabels));
        assertThat(redisPeers).anyMatch(p -> labelsMatch(p.at("/podSelector/matchLabels"), jobLabels));

        // PostgreSQL: the API, the job, the migrations Job, the instances themselves and the operator's namespace.
        Manifest cluster = Manifest.ofKind(all, "Cluster").get(0);
        JsonNode pgLabels = Manifest.YAML.createObjectNode().put("cnpg.io/cluster", cluster.name());
        List<JsonNode> pgPeers = peersOnPort(all, pgLabels, 5432);
        for (JsonNode peer : pgPeers) {
            boolean allowed = peer.has("namespaceSelector") && !peer.has("podSelector")
                    ? peer.at("/namespaceSelector/matchLabels").path("kubernetes.io/metadata.name").asString().equals("cnpg-system")
                    : peer.has("podSelector") && !peer.has("ipBlock") && Stream.of(apiLabels, jobLabels, migrationLabels, pgLabels)
                            .anyMatch(l -> labelsMatch(peer.at("/podSelector/matchLabels"), l));
            assertThat(allowed).as("PostgreSQL peer %s", peer).isTrue();
        }
        assertThat(pgPeers).anyMatch(p -> labelsMatch(p.at("/podSelector/matchLabels"), apiLabels));
        assertThat(pgPeers).anyMatch(p -> labelsMatch(p.at("/podSelector/matchLabels"), jobLabels));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void redisIsPersistentAndNotifiesTheApi(String target) {
        List<Manifest> all = Kustomize.render(target);
        String conf = Manifest.one(all, "ConfigMap", "streaminfer-redis").at("/data/redis.conf").asString();
        assertThat(conf).contains("appendonly yes", "appendfsync everysec", "include /run/redis-auth/auth.conf")
                .containsPattern("(?m)^notify-keyspace-events \\S*K\\S*\\$");
        Manifest redis = Manifest.one(all, "StatefulSet", "streaminfer-redis");
        assertThat(redis.at("/spec/volumeClaimTemplates/0/metadata/name").asString()).isEqualTo("data");
        assertThat(container(redis.at("/spec/template/spec"), "redis").path("volumeMounts"))
                .anyMatch(v -> v.path("name").asString().equals("data") && v.path("mountPath").asString().equals("/data"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theHpaAndThePdbTargetTheApi(String target) {
        List<Manifest> all = Kustomize.render(target);
        Manifest deployment = Manifest.one(all, "Deployment", "ingest-api");
        Manifest hpa = Manifest.one(all, "HorizontalPodAutoscaler", "ingest-api");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asString()).isEqualTo("Deployment");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asString()).isEqualTo(deployment.name());
        assertThat(hpa.at("/spec/minReplicas").asInt()).isPositive().isLessThanOrEqualTo(hpa.at("/spec/maxReplicas").asInt());
        Manifest pdb = Manifest.one(all, "PodDisruptionBudget", "ingest-api");
        assertThat(labelsMatch(pdb.at("/spec/selector/matchLabels"), deployment.at("/spec/template/metadata/labels"))).isTrue();
        Manifest service = Manifest.one(all, "Service", "ingest-api");
        assertThat(labelsMatch(service.at("/spec/selector"), deployment.at("/spec/template/metadata/labels"))).isTrue();
    }

    // ---- helpers ---------------------------------------------------------------------------

    static Manifest flinkDeployment(String target) {
        return Manifest.one(Kustomize.render(target), "FlinkDeployment", JOB);
    }

    static Map<String, String> flinkConfiguration(String target) {
        return Manifest.flatten(flinkDeployment(target).at("/spec/flinkConfiguration"));
    }

    static Manifest kafka(String target) {
        List<Manifest> k = Manifest.ofKind(Kustomize.render(target), "Kafka");
        assertThat(k).as("one Kafka in k8s/%s", target).hasSize(1);
        return k.get(0);
    }

    static String topicName(Manifest topic) {
        JsonNode explicit = topic.at("/spec/topicName");
        return explicit.isMissingNode() ? topic.name() : explicit.asString();
    }

    static Manifest topic(String target, String name) {
        return Manifest.find(Manifest.ofKind(Kustomize.render(target), "KafkaTopic"), t -> topicName(t).equals(name))
                .orElseThrow(() -> new AssertionError("no KafkaTopic " + name + " in k8s/" + target));
    }

    static JsonNode apiPod(String target) {
        return Manifest.one(Kustomize.render(target), "Deployment", "ingest-api").at("/spec/template/spec");
    }

    static JsonNode container(JsonNode podSpec, String name) {
        return streamOf(podSpec.path("containers")).filter(c -> c.path("name").asString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + podSpec));
    }

    static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode var : container.path("env")) {
            env.put(var.path("name").asString(), var.has("value") ? var.path("value").asString() : "(from " + var.path("valueFrom") + ")");
        }
        return env;
    }

    static Optional<String> jobArgumentIfSet(String target, String key) {
        for (JsonNode arg : flinkDeployment(target).at("/spec/job/args")) {
            String text = arg.asString();
            if (text.startsWith("--" + key + "=")) {
                return Optional.of(text.substring(key.length() + 3));
            }
        }
        return Optional.empty();
    }

    static String jobArgument(String target, String key) {
        return jobArgumentIfSet(target, key).orElseThrow(() -> new AssertionError("spec.job.args of k8s/" + target + " has no --" + key));
    }

    static String jobArgumentOrDefault(String target, String key) {
        return jobArgumentIfSet(target, key).orElseGet(() -> defaultValue(key));
    }

    /** An option's default as text, from the option found on the class path. */
    static String defaultValue(String key) {
        ConfigOption<?> option = OptionCatalog.get().flinkOption(key)
                .orElseThrow(() -> new AssertionError("no option " + key + " on the class path"));
        Object value = option.defaultValue();
        if (value == null) {
            throw new AssertionError(key + " has no default: set it");
        }
        return value instanceof Duration d ? d.toMillis() + " ms" : value.toString();
    }

    static Duration duration(String text) {
        return TimeUtils.parseDuration(text);
    }

    static Stream<JsonNode> streamOf(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    /** Does {@code selector} (matchLabels) select pods labelled {@code labels}? */
    static boolean labelsMatch(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            if (!labels.path(e.getKey()).asString("\u0000").equals(e.getValue().asString())) {
                return false;
            }
        }
        return true;
    }

    /** Ports some NetworkPolicy lets in to pods labelled {@code labels} (from anywhere it names). */
    static Set<Integer> allowedPorts(List<Manifest> all, JsonNode labels) {
        Set<Integer> ports = new TreeSet<>();
        for (Manifest p : Manifest.ofKind(all, "NetworkPolicy")) {
            if (!p.at("/spec/podSelector").isEmpty() && labelsMatch(p.at("/spec/podSelector/matchLabels"), labels)) {
                for (JsonNode rule : p.at("/spec/ingress")) {
                    rule.path("ports").forEach(port -> ports.add(port.path("port").asInt()));
                }
            }
        }
        return ports;
    }

    /** The peers (from entries) of every policy rule that admits {@code port} to pods labelled {@code labels}. */
    static List<JsonNode> peersOnPort(List<Manifest> all, JsonNode labels, int port) {
        List<JsonNode> peers = new ArrayList<>();
        for (Manifest p : Manifest.ofKind(all, "NetworkPolicy")) {
            JsonNode selector = p.at("/spec/podSelector");
            boolean selects = selector.isEmpty() || labelsMatch(selector.path("matchLabels"), labels);
            if (!selects) {
                continue;
            }
            for (JsonNode rule : p.at("/spec/ingress")) {
                boolean admits = !rule.has("ports") || streamOf(rule.path("ports")).anyMatch(x -> x.path("port").asInt() == port);
                if (!admits) {
                    continue;
                }
                if (!rule.has("from")) {
                    throw new AssertionError(p.id() + " admits port " + port + " from everywhere");
                }
                rule.path("from").forEach(peers::add);
            }
        }
        return peers;
    }

    /** Flink options of flink-conf/config.yaml, flattened to dotted keys. */
    static Map<String, String> flinkConfYaml() {
        return Manifest.flatten(Manifest.YAML.readTree(Project.read(Project.root().resolve("flink-conf/config.yaml"))));
    }

    private static final Set<String> S3_OPTIONS = Set.of(
            // Options the S3 filesystem plugins take from the Flink configuration (Flink docs,
            // "Amazon S3"); the plugin is not on this class path. Credentials are not among the
            // allowed ones: they come from the environment (AWS_*), by Secret reference.
            "s3.endpoint", "s3.path.style.access", "s3.entropy.key", "s3.entropy.length",
            "s3.upload.min.part.size", "s3.upload.max.concurrent.uploads", "s3.connection.maximum");

    /**
     * Parameters of Flink's GPU driver (GPUDriverOptions of flink-external-resource-gpu 2.3.0).
     * That artifact does not resolve from the Maven registry here (its parent POM
     * flink-external-resources is not served), so its two keys are named here.
     */
    private static final Map<String, Set<String>> DRIVER_PARAMETERS = Map.of(
            "org.apache.flink.externalresource.gpu.GPUDriverFactory", Set.of("discovery-script.path", "discovery-script.args"));

    private static final Pattern EXTERNAL_RESOURCE_PARAM = Pattern.compile("external-resource\\.([^.]+)\\.param\\.(.+)");
    private static final Pattern REPORTER_KEY = Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");

    /** Why {@code key: value} in flinkConfiguration is wrong, or empty. */
    static Optional<String> optionProblem(String key, String value, Map<String, String> conf) {
        if (key.startsWith("s3.")) {
            return S3_OPTIONS.contains(key) ? Optional.empty()
                    : Optional.of("not an S3 filesystem option this project expects (" + S3_OPTIONS + ")");
        }
        Matcher param = EXTERNAL_RESOURCE_PARAM.matcher(key);
        if (param.matches()) {
            String factory = conf.get("external-resource." + param.group(1) + ".driver-factory.class");
            Set<String> known = DRIVER_PARAMETERS.get(factory);
            if (known == null) {
                return Optional.of("no known driver factory for resource " + param.group(1) + " (" + factory + ")");
            }
            return known.contains(param.group(2)) ? Optional.empty()
                    : Optional.of("the driver " + factory + " has no parameter " + param.group(2) + " (it has " + known + ")");
        }
        if (key.startsWith("external-resource.") && key.endsWith(".driver-factory.class") && !DRIVER_PARAMETERS.containsKey(value)) {
            return Optional.of("unknown driver factory " + value);
        }
        Matcher reporter = REPORTER_KEY.matcher(key);
        if (reporter.matches()) {
            // Options every reporter takes: MetricOptions declares them relative to metrics.reporter.<name>.
            Set<String> generic = new TreeSet<>();
            for (String k : OptionCatalog.get().keysOf("org.apache.flink.configuration.MetricOptions")) {
                if (!k.startsWith("metrics.") && !k.contains("<")) {
                    generic.add(k);
                }
            }
            assertThat(generic).as("reporter options of Flink's MetricOptions").contains("factory.class", "interval");
            String suffix = reporter.group(2);
            if (suffix.equals("factory.class")) {
                return ClassPathScan.load(value).isPresent() ? Optional.empty()
                        : Optional.of("reporter factory " + value + " is not on the class path (flink-metrics-*)");
            }
            if (generic.contains(suffix)) {
                return Optional.empty();
            }
            String factory = conf.get("metrics.reporter." + reporter.group(1) + ".factory.class");
            Set<String> arguments = reporterArguments(factory);
            return arguments.contains(suffix) ? Optional.empty()
                    : Optional.of("neither a generic reporter option " + generic + " nor an argument of " + factory + " " + arguments);
        }
        return OptionCatalog.get().problem(key, value);
    }

    /** A reporter's own arguments: its factory's ARG_* constants and the option keys of its package. */
    static Set<String> reporterArguments(String factoryClass) {
        Set<String> arguments = new TreeSet<>();
        Optional<Class<?>> factory = factoryClass == null ? Optional.empty() : ClassPathScan.load(factoryClass);
        if (factory.isEmpty()) {
            return arguments;
        }
        for (Field f : factory.get().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().startsWith("ARG_")) {
                try {
                    f.setAccessible(true);
                    arguments.add((String) f.get(null));
                } catch (ReflectiveOperationException ignored) {
                    // not readable: not an argument we can check
                }
            }
        }
        arguments.addAll(OptionCatalog.get().relativeKeys(factory.get().getPackageName()));
        return arguments;
    }

    record LocalTopic(String name, int partitions, Map<String, String> configs) {}

    /**
     * The local stack's topics, found on its class path rather than named: a static list whose
     * items have name(), partitions() and configs() (today Provisioning.TOPICS of TopicSpec).
     */
    static Map<String, LocalTopic> localStackTopics() {
        Map<String, LocalTopic> topics = new LinkedHashMap<>();
        List<String> sources = new ArrayList<>();
        for (String name : ClassPathScan.classNames(n -> n.startsWith("dev.streaminfer.") && n.contains(".localstack."))) {
            Optional<Class<?>> c = ClassPathScan.load(name);
            if (c.isEmpty()) {
                continue;
            }
            Field[] fields;
            try {
                fields = c.get().getDeclaredFields();
            } catch (Throwable e) {
                continue;
            }
            for (Field f : fields) {
                if (!Modifier.isStatic(f.getModifiers()) || !Collection.class.isAssignableFrom(f.getType())
                        || !f.getGenericType().getTypeName().contains("Topic")) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    for (Object item : (Collection<?>) f.get(null)) {
                        Method name_ = item.getClass().getMethod("name");
                        Method partitions = item.getClass().getMethod("partitions");
                        Method configs = item.getClass().getMethod("configs");
                        @SuppressWarnings("unchecked")
                        Map<String, String> cfg = (Map<String, String>) configs.invoke(item);
                        LocalTopic t = new LocalTopic((String) name_.invoke(item), (Integer) partitions.invoke(item), cfg);
                        topics.put(t.name(), t);
                    }
                    sources.add(name + "." + f.getName());
                } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
                    // some other collection
                }
            }
        }
        assertThat(sources).as("the local stack's topic list (a static collection of topic specs in dev.streaminfer...localstack)")
                .hasSize(1);
        return topics;
    }

    /** Environment variables the job reads: the static Map<String, ConfigOption> tables of the job's classes, and the models file. */
    static Set<String> jobEnvironment() {
        Set<String> names = new TreeSet<>();
        for (String name : ClassPathScan.classNames(n -> n.startsWith("dev.streaminfer.") && !n.contains("$"))) {
            Optional<Class<?>> c = ClassPathScan.load(name);
            if (c.isEmpty()) {
                continue;
            }
            try {
                for (Field f : c.get().getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) && Map.class.isAssignableFrom(f.getType())
                            && f.getGenericType().getTypeName().matches("java\\.util\\.Map<java\\.lang\\.String, .*ConfigOption.*>")) {
                        f.setAccessible(true);
                        names.addAll(((Map<String, ?>) f.get(null)).keySet());
                    }
                    if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().endsWith("_ENV")) {
                        f.setAccessible(true);
                        names.add((String) f.get(null));
                    }
                }
            } catch (Throwable e) {
                // not loadable here: not the job's
            }
        }
        assertThat(names).as("environment variables the job reads").contains("KAFKA_BOOTSTRAP_SERVERS", "POSTGRES_PASSWORD", "REDIS_URL");
        return names;
    }

    /** Environment variables of the API: the first column of ingest-api/README.md "Configuration" (it mirrors ApiConfig.OPTIONS). */
    static Set<String> ingestApiEnvironment() {
        String readme = Project.read(Project.root().resolve("ingest-api/README.md"));
        int start = readme.indexOf("## Configuration");
        assertThat(start).as("ingest-api/README.md has a Configuration section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        Set<String> names = new TreeSet<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).split("\n")) {
            if (line.startsWith("| `")) {
                Matcher m = Pattern.compile("`([A-Z][A-Z0-9_]+)`").matcher(line.split("\\|")[1]);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names).as("variables in ingest-api/README.md").contains("API_PORT", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL");
        return names;
    }

    /** A variable must be read by the application, be a runtime one, or exist only to be referenced as $(NAME). */
    private static void unknownVariables(JsonNode container, Set<String> read, Set<String> runtime, List<String> problems, String who) {
        String all = container.path("env").toString();
        for (JsonNode var : container.path("env")) {
            String name = var.path("name").asString();
            boolean referenced = all.contains("$(" + name + ")");
            if (!read.contains(name) && !runtime.contains(name) && !referenced) {
                problems.add(who + ": " + name + " is read by nothing (known: " + read + ")");
            }
        }
    }
}
