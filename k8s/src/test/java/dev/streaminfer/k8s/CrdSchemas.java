package dev.streaminfer.k8s;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates custom resources against the {@code openAPIV3Schema} of the CRDs vendored under
 * src/test/resources/crds (sources in its README). A CRD schema is "structural": the API server
 * prunes or, with kubectl's default strict field validation, rejects fields it does not declare.
 * So the conversion to JSON Schema closes every object that declares properties
 * ({@code additionalProperties: false}) unless it says {@code x-kubernetes-preserve-unknown-fields},
 * and maps {@code x-kubernetes-int-or-string} and {@code nullable}. CEL rules
 * ({@code x-kubernetes-validations}) are not evaluated.
 */
final class CrdSchemas {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern FLINK_VERSION = Pattern.compile("^\\s+(v\\d+_\\d+)\\(\\d+,\\s*\\d+\\)[,;]", Pattern.MULTILINE);

    /** group/version/kind -> schema. */
    private final Map<String, Schema> schemas = new LinkedHashMap<>();
    private final Map<String, Path> sources = new LinkedHashMap<>();

    private static CrdSchemas instance;

    static synchronized CrdSchemas get() {
        if (instance == null) {
            instance = load(Project.crds());
        }
        return instance;
    }

    private static CrdSchemas load(Path dir) {
        CrdSchemas crds = new CrdSchemas();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
        for (Path file : files) {
            for (Manifest crd : Manifest.parseAll(Project.read(file), file.toString())) {
                if (!crd.kind().equals("CustomResourceDefinition")) {
                    continue;
                }
                String group = crd.at("/spec/group").asString();
                String kind = crd.at("/spec/names/kind").asString();
                for (JsonNode version : crd.at("/spec/versions")) {
                    if (!version.path("served").asBoolean(false)) {
                        continue;
                    }
                    ObjectNode openApi = (ObjectNode) version.at("/schema/openAPIV3Schema").deepCopy();
                    if (kind.equals("FlinkDeployment")) {
                        alignFlinkVersions(openApi, file.getParent());
                    }
                    String key = group + "/" + version.path("name").asString() + "/" + kind;
                    crds.schemas.put(key, registry.getSchema(toJsonSchema(openApi, true)));
                    crds.sources.put(key, file);
                }
            }
        }
        return crds;
    }

    /**
     * The flinkdeployments CRD committed at tag release-1.15.0 was generated before v2_3 and v2_4
     * were added to the operator's FlinkVersion enum in the same release (the release build
     * regenerates the CRD from that enum). The vendored FlinkVersion.java of the same tag is the
     * authority: its constants replace the stale enum of spec.flinkVersion.
     */
    private static void alignFlinkVersions(ObjectNode openApi, Path dir) {
        Path source = dir.resolve("FlinkVersion.java.txt");
        Matcher m = FLINK_VERSION.matcher(Project.read(source));
        Set<String> versions = new LinkedHashSet<>();
        while (m.find()) {
            versions.add(m.group(1));
        }
        if (versions.isEmpty()) {
            throw new IllegalStateException("no FlinkVersion constants in " + source);
        }
        JsonNode flinkVersion = openApi.at("/properties/spec/properties/flinkVersion");
        if (!(flinkVersion instanceof ObjectNode fv) || !fv.has("enum")) {
            throw new IllegalStateException("the FlinkDeployment CRD has no spec.flinkVersion enum any more: revisit alignFlinkVersions");
        }
        ArrayNode values = fv.putArray("enum");
        versions.forEach(values::add);
    }

    /** OpenAPI v3 (structural, with Kubernetes extensions) to a closed draft-4 JSON Schema. */
    static JsonNode toJsonSchema(JsonNode openApi, boolean root) {
        if (!openApi.isObject()) {
            return openApi;
        }
        ObjectNode in = (ObjectNode) openApi;
        ObjectNode out = JSON.objectNode();
        if (in.path("x-kubernetes-int-or-string").asBoolean(false)) {
            ArrayNode anyOf = out.putArray("anyOf");
            anyOf.addObject().put("type", "integer");
            anyOf.addObject().put("type", "string");
            return out;
        }
        boolean preserveUnknown = in.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        boolean embedded = in.path("x-kubernetes-embedded-resource").asBoolean(false);
        for (Iterator<Map.Entry<String, JsonNode>> it = in.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (k.startsWith("x-kubernetes-") || k.equals("description") || k.equals("nullable") || k.equals("example")) {
                continue;
            }
            switch (k) {
                case "properties", "patternProperties", "definitions" -> {
                    ObjectNode props = out.putObject(k);
                    v.properties().forEach(p -> props.set(p.getKey(), toJsonSchema(p.getValue(), false)));
                }
                case "items", "additionalProperties", "not" -> out.set(k, v.isObject() ? toJsonSchema(v, false) : v);
                case "allOf", "anyOf", "oneOf" -> {
                    ArrayNode list = out.putArray(k);
                    v.forEach(item -> list.add(toJsonSchema(item, false)));
                }
                default -> out.set(k, v.deepCopy());
            }
        }
        if (in.path("nullable").asBoolean(false) && out.has("type") && out.get("type").isString()) {
            ArrayNode types = JSON.arrayNode().add(out.get("type").asString()).add("null");
            out.set("type", types);
        }
        if ((embedded || root) && out.has("properties")) {
            // The API server always accepts these on a resource (some CRD generators leave them out).
            ObjectNode props = (ObjectNode) out.get("properties");
            if (!props.has("apiVersion")) {
                props.putObject("apiVersion").put("type", "string");
            }
            if (!props.has("kind")) {
                props.putObject("kind").put("type", "string");
            }
            if (!props.has("metadata")) {
                props.putObject("metadata").put("type", "object");
            }
        }
        if (embedded && out.has("properties")) {
            ObjectNode props = (ObjectNode) out.get("properties");
            props.putIfAbsent("apiVersion", JSON.objectNode().put("type", "string"));
            props.putIfAbsent("kind", JSON.objectNode().put("type", "string"));
            props.putIfAbsent("metadata", JSON.objectNode().put("type", "object"));
        }
        if (out.has("properties") && !out.has("additionalProperties") && !preserveUnknown) {
            out.put("additionalProperties", false);
        }
        if (root) {
            ArrayNode required = out.has("required") ? (ArrayNode) out.get("required") : out.putArray("required");
            for (String field : List.of("apiVersion", "kind", "metadata")) {
                if (!required.toString().contains("\"" + field + "\"")) {
                    required.add(field);
                }
            }
        }
        return out;
    }

    boolean covers(Manifest m) {
        return schemas.containsKey(m.group() + "/" + version(m) + "/" + m.kind());
    }

    Set<String> kinds() {
        return schemas.keySet();
    }

    /** Problems with {@code m} (empty if valid). Metadata is checked against the Kubernetes ObjectMeta. */
    List<String> validate(Manifest m) {
        String key = m.group() + "/" + version(m) + "/" + m.kind();
        Schema schema = schemas.get(key);
        if (schema == null) {
            return List.of(m.id() + ": no vendored CRD serves " + key);
        }
        List<String> errors = new ArrayList<>();
        for (Error e : schema.validate(m.node())) {
            errors.add(m.id() + ": " + e.getInstanceLocation() + ": " + e.getMessage());
        }
        errors.addAll(CoreSchemas.validateMetadata(m.node().path("metadata"), m.id() + " metadata"));
        return errors;
    }

    Path source(Manifest m) {
        return sources.get(m.group() + "/" + version(m) + "/" + m.kind());
    }

    private static String version(Manifest m) {
        String v = m.apiVersion();
        return v.contains("/") ? v.substring(v.indexOf('/') + 1) : v;
    }
}
