package dev.streaminfer.k8s;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Collections;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Validates core Kubernetes objects against the Kubernetes API model (fabric8 kubernetes-model,
 * generated from the Kubernetes OpenAPI). Three kinds of error are reported: a value of the wrong
 * type (no string-to-number or number-to-string coercion, as the API server), an unknown field
 * anywhere in the object (kubectl's default {@code --validate=strict} rejects those), and a kind
 * this project does not expect.
 */
final class CoreSchemas {

    static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class));

    private static final JsonMapper STRICT = JsonMapper.builder()
            .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private CoreSchemas() {}

    static boolean covers(Manifest m) {
        return KINDS.containsKey(m.apiVersion() + "/" + m.kind());
    }

    /** Problems with {@code m} (empty if valid); {@code m} must be a core kind ({@link #covers}). */
    static List<String> validate(Manifest m) {
        Class<?> type = KINDS.get(m.apiVersion() + "/" + m.kind());
        if (type == null) {
            return List.of(m.id() + ": no core schema for " + m.apiVersion() + "/" + m.kind());
        }
        return validate(m.node(), type, m.id());
    }

    /** Validates a fragment (a pod template, object metadata) against a model type. */
    static List<String> validate(JsonNode node, Class<?> type, String where) {
        List<String> errors = new ArrayList<>();
        Object value;
        try {
            value = STRICT.treeToValue(node, type);
        } catch (JacksonException e) {
            errors.add(where + ": " + e.getOriginalMessage() + " at " + e.getPathReference());
            return errors;
        }
        unknownFields(value, "", errors, where, Collections.newSetFromMap(new IdentityHashMap<>()));
        return errors;
    }

    static List<String> validatePodTemplate(JsonNode node, String where) {
        return validate(node, PodTemplateSpec.class, where);
    }

    static List<String> validateMetadata(JsonNode node, String where) {
        return validate(node, ObjectMeta.class, where);
    }

    /** The model keeps fields it does not know in additionalProperties: any there is a typo or a wrong level. */
    private static void unknownFields(Object o, String path, List<String> errors, String where, Set<Object> seen) {
        if (o == null || !seen.add(o)) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                unknownFields(item, path + "[" + i++ + "]", errors, where, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), errors, where, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive() || f.getType() == String.class) {
                    continue;
                }
                Object v;
                try {
                    f.setAccessible(true);
                    v = f.get(o);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    continue;
                }
                if (f.getName().equals("additionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        errors.add(where + ": unknown field(s) " + extra.keySet() + " at " + (path.isEmpty() ? "(root)" : path)
                                + " (not in the Kubernetes schema of " + o.getClass().getSimpleName() + ")");
                    }
                    continue;
                }
                JsonProperty p = f.getAnnotation(JsonProperty.class);
                unknownFields(v, path + "." + (p != null && !p.value().isEmpty() ? p.value() : f.getName()), errors, where, seen);
            }
        }
    }
}
