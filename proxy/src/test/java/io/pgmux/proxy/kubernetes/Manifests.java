package io.pgmux.proxy.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Kubernetes YAML parsed into fabric8's typed models as strictly as the API server reads it: a
 * field the model does not know is an error (fabric8 would keep it aside, in additionalProperties,
 * and the API server would drop it or refuse the object), and so is a number or a boolean where
 * Kubernetes wants a string, or a string where it wants a number.
 */
final class Manifests {
    /** The kinds pgmux's manifests and chart may contain, by apiVersion/kind. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // fabric8's classes collect unknown fields with @JsonAnySetter: without it, they are errors
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated annotated) {
                    return Boolean.FALSE;
                }
            })
            .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Manifests() {
    }

    /**
     * Every document of {@code yaml} (empty ones skipped) as its typed object.
     *
     * @param source named in failures: a file, or the chart and its values
     */
    static List<HasMetadata> parse(String yaml, String source) {
        List<HasMetadata> objects = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (document == null) {
                continue;
            }
            assertTrue(document instanceof Map, source + ": a document is not a mapping: " + document);
            Map<?, ?> fields = (Map<?, ?>) document;
            String type = fields.get("apiVersion") + "/" + fields.get("kind");
            Class<? extends HasMetadata> model = KINDS.get(type);
            assertNotNull(model, source + ": unexpected kind " + type);
            try {
                objects.add(STRICT.convertValue(fields, model));
            } catch (RuntimeException e) {
                throw new AssertionError(source + ": " + type + " is not valid: " + e.getMessage(), e);
            }
        }
        return objects;
    }

    /** The one object of {@code type} named {@code name}; with a null name, the only object of that type. */
    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        List<T> found = all(objects, type).stream()
                .filter(o -> name == null || name.equals(o.getMetadata().getName()))
                .toList();
        assertEquals(1, found.size(), "one " + type.getSimpleName() + (name == null ? "" : " " + name) + " in " + names(objects));
        return found.get(0);
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static List<String> names(List<HasMetadata> objects) {
        return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }
}
