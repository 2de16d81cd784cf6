package io.pgmux.proxy.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

/** conf/kubernetes: valid Kubernetes objects, and pods that run pgmux as the image and the config expect. */
class KubernetesManifestsTest {
    static final Path MANIFESTS = Image.REPOSITORY.resolve("conf/kubernetes");

    @Test
    void everyManifestParsesIntoKubernetesTypedModels() throws IOException {
        List<Path> files = yamlFiles(MANIFESTS);

        assertTrue(files.size() >= 7, files.toString());
        for (Path file : files) {
            assertFalse(Manifests.parse(Files.readString(file), file.toString()).isEmpty(), file + " has objects");
        }
    }

    @Test
    void theStandalonePoolerRunsPgmuxAsTheImageAndItsConfigExpect() throws IOException {
        StandalonePooler.check(standalone(), "conf/kubernetes/standalone");
    }

    @Test
    void theSidecarServesItsPodOnLoopbackAndDrainsAfterTheApplication() throws IOException {
        Path file = MANIFESTS.resolve("sidecar/deployment.yaml");
        List<HasMetadata> objects = Manifests.parse(Files.readString(file), file.toString());
        Deployment deployment = Manifests.one(objects, Deployment.class, null);

        PgmuxPod pod = PgmuxPod.of(file.toString(), deployment.getSpec().getTemplate(), Image.fromDockerfile(), objects);

        pod.checkPortsMatchTheConfig();
        pod.checkProbesUseTheHttpPort();
        pod.checkNothingRunsAsRoot();
        pod.checkHeapFollowsTheMemoryLimit();
        pod.checkShutdownCanDrain(false);
        pod.checkPrometheusAnnotations();
        assertEquals("127.0.0.1", pod.config().listen().host(), "only the pod's own containers reach it");
        assertEquals(5, pod.config().poolSize());
        assertEquals(List.of("app"), List.copyOf(pod.config().databases().keySet()));
        List<Container> sidecars = deployment.getSpec().getTemplate().getSpec().getInitContainers();
        assertEquals("Always", sidecars.get(0).getRestartPolicy(), "a native sidecar: up before the application, down after it");
        String url = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("DATABASE_URL")).findFirst().orElseThrow().getValue();
        assertTrue(url.contains("@127.0.0.1:" + pod.config().listen().port() + "/app"), url);
    }

    @Test
    void theChecksFailAManifestThatGetsWhatTheyCheckWrong() throws IOException {
        assertBroken("port: http\n            periodSeconds: 5", "port: postgres\n            periodSeconds: 5",
                "the readiness probe's port");
        assertBroken("runAsUser: 10001\n            runAsGroup: 10001\n            allowPrivilegeEscalation",
                "runAsUser: 0\n            runAsGroup: 10001\n            allowPrivilegeEscalation", "runAsUser");
        assertBroken("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem");
        assertBroken("terminationGracePeriodSeconds: 50", "terminationGracePeriodSeconds: 35", "terminationGracePeriodSeconds");
        assertBroken("mountPath: /etc/pgmux\n", "mountPath: /etc/pgmux-config\n", "a ConfigMap is mounted at /etc/pgmux");
        assertBroken("containerPort: 6432", "containerPort: 6433", "a container port for listen");
        assertBroken("-XX:MaxRAMPercentage=40 ", "", "JAVA_TOOL_OPTIONS");
        assertBroken("name: APP_PASSWORD", "name: APP_PASSWORD_TYPO", "environment variable APP_PASSWORD is not set");
    }

    /** The standalone manifests with {@code from} replaced by {@code to} in deployment.yaml fail the check that says {@code why}. */
    private static void assertBroken(String from, String to, String why) throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (Path file : standaloneFiles()) {
            String text = Files.readString(file);
            if (file.endsWith("deployment.yaml")) {
                assertTrue(text.contains(from), "deployment.yaml contains " + from);
                text = text.replace(from, to);
            }
            objects.addAll(Manifests.parse(text, file.toString()));
        }
        AssertionError failure = assertThrows(AssertionError.class, () -> StandalonePooler.check(objects, "broken"),
                "replacing " + from);
        assertTrue(failure.getMessage().contains(why), failure.getMessage());
    }

    @Test
    void theParserRefusesUnknownFieldsAndValuesOfTheWrongType() {
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  %s
                  template:
                    spec:
                      containers: [{name: a, image: a, env: [{name: A, value: %s}]}]
                """;
        Manifests.parse(deployment.formatted("replicas: 2", "\"5\""), "good");

        for (String[] bad : new String[][] {{"replica: 2", "\"5\""}, {"replicas: \"2\"", "\"5\""}, {"replicas: 2", "5"}}) {
            String yaml = deployment.formatted(bad[0], bad[1]);
            assertThrows(AssertionError.class, () -> Manifests.parse(yaml, "bad"), yaml);
        }
        assertThrows(AssertionError.class, () -> Manifests.parse("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "pod"));
    }

    static List<HasMetadata> standalone() throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (Path file : standaloneFiles()) {
            objects.addAll(Manifests.parse(Files.readString(file), file.toString()));
        }
        return objects;
    }

    /** standalone/ and the ServiceMonitor that goes with it. */
    private static List<Path> standaloneFiles() throws IOException {
        List<Path> files = new ArrayList<>(yamlFiles(MANIFESTS.resolve("standalone")));
        files.addAll(yamlFiles(MANIFESTS.resolve("prometheus-operator")));
        return files;
    }

    private static List<Path> yamlFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}
