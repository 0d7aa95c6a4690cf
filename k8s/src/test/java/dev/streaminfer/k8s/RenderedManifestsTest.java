package dev.streaminfer.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders the base and every overlay with {@code kubectl kustomize} and validates every object:
 * core kinds against the Kubernetes model, custom resources against the openAPIV3Schema of their
 * vendored CRDs. Also: no credential in plain text, every workload with resources and probes.
 */
class RenderedManifestsTest {

    static Stream<String> targets() {
        return Kustomize.targets().stream();
    }

    @Test
    void theCpuAndGpuOverlaysExist() {
        assertThat(Kustomize.overlays()).contains("overlays/cpu", "overlays/gpu");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void everyObjectMatchesItsSchema(String target) {
        List<Manifest> objects = Kustomize.render(target);
        assertThat(objects).as("objects rendered from k8s/%s", target).hasSizeGreaterThan(10);
        List<String> errors = new ArrayList<>();
        for (Manifest m : objects) {
            errors.addAll(validate(m));
        }
        assertThat(errors).as("schema errors in k8s/%s", target).isEmpty();
    }

    /** Schema errors of one object (empty if valid). */
    static List<String> validate(Manifest m) {
        List<String> errors = new ArrayList<>();
        if (CoreSchemas.covers(m)) {
            errors.addAll(CoreSchemas.validate(m));
        } else if (CrdSchemas.get().covers(m)) {
            errors.addAll(CrdSchemas.get().validate(m));
        } else {
            errors.add(m.id() + ": no schema: neither a core kind this project expects (CoreSchemas.KINDS)"
                    + " nor a kind of the vendored CRDs " + CrdSchemas.get().kinds());
        }
        if (m.kind().equals("FlinkDeployment")) {
            // The operator merges these into the pods it creates: hold them to the Pod schema too.
            for (String at : List.of("/spec/podTemplate", "/spec/jobManager/podTemplate", "/spec/taskManager/podTemplate")) {
                JsonNode template = m.at(at);
                if (!template.isMissingNode()) {
                    ObjectNode pod = ((ObjectNode) template.deepCopy()).put("apiVersion", "v1").put("kind", "Pod");
                    errors.addAll(CoreSchemas.validate(pod, Pod.class, m.id() + " " + at));
                }
            }
        }
        return errors;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void everyObjectLivesInTheStreaminferNamespace(String target) {
        for (Manifest m : Kustomize.render(target)) {
            if (m.kind().equals("Namespace")) {
                assertThat(m.name()).isEqualTo("streaminfer");
            } else {
                assertThat(m.namespace()).as("namespace of %s", m.id()).isEqualTo("streaminfer");
            }
        }
    }

    private static final Pattern NAME_OF_A_SECRET = Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|ACCESS_KEY|API_KEY|CREDENTIAL).*");
    private static final Pattern CONFIG_KEY_OF_A_SECRET = Pattern.compile("(?i).*(password|secret|access-key|token|credential).*");
    /** user:password@ in a URL; the password may only be a $(VAR) reference to a secret-backed variable. */
    private static final Pattern URL_WITH_PASSWORD = Pattern.compile("://[^/\\s:@]*:([^@/\\s]+)@");

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void noCredentialInPlainText(String target) {
        List<String> problems = new ArrayList<>();
        for (Manifest m : Kustomize.render(target)) {
            if (m.kind().equals("Secret")) {
                problems.add(m.id() + ": Secrets are created outside the render (k8s/README.md), never committed");
            }
            walk(m.node(), "", (path, key, value) -> {
                if (key.equals("env") && value.isArray()) {
                    for (JsonNode var : value) {
                        String name = var.path("name").asString("");
                        if (NAME_OF_A_SECRET.matcher(name).matches() && !var.path("valueFrom").has("secretKeyRef")) {
                            problems.add(m.id() + " " + path + ": " + name + " must come from a secretKeyRef");
                        }
                    }
                }
                if (value.isString()) {
                    Matcher url = URL_WITH_PASSWORD.matcher(value.asString());
                    while (url.find()) {
                        if (!url.group(1).matches("\\$\\([A-Z0-9_]+\\)")) {
                            problems.add(m.id() + " " + path + ": URL with a literal password");
                        }
                    }
                    if (value.asString().matches("(?i)--[\\w.-]*(password|secret)[\\w.-]*=.*")) {
                        problems.add(m.id() + " " + path + ": credential in a job argument");
                    }
                }
            });
            if (m.kind().equals("FlinkDeployment")) {
                Manifest.flatten(m.at("/spec/flinkConfiguration")).keySet().stream()
                        .filter(k -> CONFIG_KEY_OF_A_SECRET.matcher(k).matches())
                        .forEach(k -> problems.add(m.id() + ": flinkConfiguration." + k + " would hold a credential in plain text"));
            }
            if (m.kind().equals("ConfigMap")) {
                Manifest.flatten(m.at("/data")).forEach((k, v) -> {
                    if (v.matches("(?is).*\\b(requirepass|masterauth|password)\\s+\\S+.*") ) {
                        problems.add(m.id() + ": data." + k + " contains a password");
                    }
                });
            }
        }
        assertThat(problems).as("credentials in k8s/%s", target).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void everyContainerHasResourcesAndEveryServerHasProbes(String target) {
        List<String> problems = new ArrayList<>();
        for (Manifest m : Kustomize.render(target)) {
            JsonNode podSpec = switch (m.kind()) {
                case "Deployment", "StatefulSet", "Job" -> m.at("/spec/template/spec");
                default -> null;
            };
            if (podSpec == null) {
                continue;
            }
            for (String list : List.of("initContainers", "containers")) {
                for (JsonNode c : podSpec.path(list)) {
                    String where = m.id() + " " + list + "/" + c.path("name").asString();
                    JsonNode r = c.path("resources");
                    for (String required : List.of("/requests/cpu", "/requests/memory", "/limits/memory")) {
                        if (r.at(required).isMissingNode()) {
                            problems.add(where + ": resources" + required.replace('/', '.') + " not set");
                        }
                    }
                    if (list.equals("containers") && !m.kind().equals("Job")) {
                        for (String probe : List.of("readinessProbe", "livenessProbe")) {
                            if (c.path(probe).isMissingNode()) {
                                problems.add(where + ": no " + probe);
                            }
                        }
                    }
                }
            }
        }
        assertThat(problems).as("k8s/%s", target).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theApiIsReadyOnReadyzAndAliveOnHealthz(String target) {
        Manifest api = Manifest.one(Kustomize.render(target), "Deployment", "ingest-api");
        JsonNode container = api.at("/spec/template/spec/containers/0");
        assertThat(container.at("/readinessProbe/httpGet/path").asString()).isEqualTo("/readyz");
        assertThat(container.at("/livenessProbe/httpGet/path").asString()).isEqualTo("/healthz");
        assertThat(container.at("/startupProbe/httpGet/path").asString()).isEqualTo("/healthz");
    }

    /**
     * The validators themselves: each mistake below must be caught, or a green run would mean
     * nothing. Mistakes are made on copies of rendered objects.
     */
    @Test
    void schemaValidationCatchesMistakes() {
        List<Manifest> gpu = Kustomize.render("overlays/gpu");
        Manifest flink = Manifest.one(gpu, "FlinkDeployment", "streaminfer-job");
        assertThat(validate(flink)).as("the rendered FlinkDeployment").isEmpty();

        Manifest typo = flink.copy();
        ObjectNode job = (ObjectNode) typo.at("/spec/job");
        job.set("upgradeMod", job.remove("upgradeMode"));
        assertThat(validate(typo)).as("spec.job.upgradeMod").anyMatch(e -> e.contains("upgradeMod"));

        Manifest wrongEnum = flink.copy();
        ((ObjectNode) wrongEnum.at("/spec")).put("flinkVersion", "v2_9");
        assertThat(validate(wrongEnum)).as("flinkVersion v2_9").isNotEmpty();

        Manifest wrongLevel = flink.copy();
        ((ObjectNode) wrongLevel.at("/spec/taskManager")).put("slots", 1);
        assertThat(validate(wrongLevel)).as("spec.taskManager.slots").anyMatch(e -> e.contains("slots"));

        Manifest podTypo = flink.copy();
        ((ObjectNode) podTypo.at("/spec/taskManager/podTemplate/spec")).putArray("toleration");
        assertThat(validate(podTypo)).as("podTemplate toleration").anyMatch(e -> e.contains("toleration"));

        Manifest deployment = Manifest.one(gpu, "Deployment", "ingest-api");
        Manifest probeTypo = deployment.copy();
        ObjectNode httpGet = (ObjectNode) probeTypo.at("/spec/template/spec/containers/0/readinessProbe/httpGet");
        httpGet.set("paht", httpGet.remove("path"));
        assertThat(validate(probeTypo)).as("httpGet.paht").anyMatch(e -> e.contains("paht"));

        Manifest stringReplicas = deployment.copy();
        ((ObjectNode) stringReplicas.at("/spec")).put("replicas", "2");
        assertThat(validate(stringReplicas)).as("replicas: \"2\"").isNotEmpty();

        Manifest topic = Manifest.one(gpu, "KafkaTopic", "inference-requests").copy();
        ((ObjectNode) topic.at("/spec")).put("partitions", "four");
        assertThat(validate(topic)).as("partitions: four").isNotEmpty();

        Manifest cluster = Manifest.one(gpu, "Cluster", "streaminfer-pg").copy();
        ((ObjectNode) cluster.at("/spec")).put("instance", 3);
        assertThat(validate(cluster)).as("Cluster spec.instance").anyMatch(e -> e.contains("instance"));

        Manifest monitor = Manifest.one(gpu, "PodMonitor", "streaminfer-job").copy();
        ((ObjectNode) monitor.at("/spec/podMetricsEndpoints/0")).put("prot", "metrics");
        assertThat(validate(monitor)).as("PodMonitor prot").anyMatch(e -> e.contains("prot"));
    }

    @Test
    void everyVendoredFileIsDocumentedWithItsSource() throws IOException {
        String readme = Project.read(Project.crds().resolve("README.md"));
        try (Stream<Path> files = Files.walk(Project.crds())) {
            List<String> undocumented = files.filter(Files::isRegularFile)
                    .map(p -> Project.crds().relativize(p).toString())
                    .filter(p -> !p.equals("README.md") && !readme.contains(p))
                    .toList();
            assertThat(undocumented).as("files under crds/ missing from crds/README.md").isEmpty();
        }
    }

    interface Visitor {
        void visit(String path, String key, JsonNode value);
    }

    static void walk(JsonNode node, String path, Visitor visitor) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                visitor.visit(path + "/" + e.getKey(), e.getKey(), e.getValue());
                walk(e.getValue(), path + "/" + e.getKey(), visitor);
            }
        } else if (node.isArray()) {
            int i = 0;
            for (JsonNode item : node) {
                String p = path + "/" + i++;
                visitor.visit(p, "", item);
                walk(item, p, visitor);
            }
        }
    }
}
