package dev.streaminfer.k8s;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** One rendered Kubernetes object. */
record Manifest(ObjectNode node) {

    static final YAMLMapper YAML = YAMLMapper.builder().build();

    static List<Manifest> parseAll(String yaml, String source) {
        List<Manifest> all = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                if (!(doc instanceof ObjectNode object)) {
                    throw new AssertionError(source + " printed a YAML document that is not an object: " + doc);
                }
                all.add(new Manifest(object));
            }
        }
        return all;
    }

    String apiVersion() {
        return node.path("apiVersion").asString("");
    }

    String kind() {
        return node.path("kind").asString("");
    }

    String name() {
        return node.path("metadata").path("name").asString("");
    }

    String namespace() {
        return node.path("metadata").path("namespace").asString("");
    }

    String group() {
        String v = apiVersion();
        return v.contains("/") ? v.substring(0, v.indexOf('/')) : "";
    }

    JsonNode at(String pointer) {
        return node.at(pointer);
    }

    String id() {
        return kind() + "/" + name() + " (" + apiVersion() + ")";
    }

    Manifest copy() {
        return new Manifest(node.deepCopy());
    }

    static List<Manifest> ofKind(List<Manifest> all, String kind) {
        return all.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    static Manifest one(List<Manifest> all, String kind, String name) {
        return find(all, m -> m.kind().equals(kind) && m.name().equals(name))
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in the render"));
    }

    static Optional<Manifest> find(List<Manifest> all, Predicate<Manifest> which) {
        return all.stream().filter(which).findFirst();
    }

    /** A YAML map of scalars (flinkConfiguration, a config map) as strings; nested maps are flattened with dots. */
    static Map<String, String> flatten(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", map, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(item.asString()));
            out.put(prefix, String.join(";", items));
        } else {
            out.put(prefix, node.asString());
        }
    }
}
