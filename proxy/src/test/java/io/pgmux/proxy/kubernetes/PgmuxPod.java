package io.pgmux.proxy.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PgmuxConfig;

/**
 * A pod template that runs pgmux, with the config pgmux would load in it: the file {@code -c} names
 * (from the ConfigMap mounted over the image's config directory, else the image's own file), read by
 * pgmux's own loader with the container's environment (a variable taken from a Secret stands for
 * its value). Each {@code check} method fails the test, naming {@code source}, when the pod would
 * not work as the manifests promise.
 */
final class PgmuxPod {
    private final String source;
    private final Image image;
    private final PodTemplateSpec template;
    private final PodSpec spec;
    private final Container pgmux;
    private final PgmuxConfig config;
    private final boolean configMounted;

    private PgmuxPod(String source, Image image, PodTemplateSpec template, Container pgmux, String configText,
                     boolean configMounted) {
        this.source = source;
        this.image = image;
        this.template = template;
        this.spec = template.getSpec();
        this.pgmux = pgmux;
        this.configMounted = configMounted;
        try {
            this.config = ConfigLoader.parse(configText, environment(pgmux));
        } catch (ConfigException e) {
            throw new AssertionError(source + ": pgmux would refuse its config:\n" + String.join("\n", e.errors()), e);
        }
    }

    /**
     * The pgmux container of {@code template} (the one named pgmux, a container or a native
     * sidecar), with the config it loads; a ConfigMap it mounts must be among {@code objects}.
     */
    static PgmuxPod of(String source, PodTemplateSpec template, Image image, List<HasMetadata> objects) {
        Container pgmux = containers(template.getSpec()).filter(c -> c.getName().equals("pgmux")).findFirst()
                .orElseThrow(() -> new AssertionError(source + ": no container named pgmux"));
        assertEquals(List.of("-c", image.configFile().toString()), pgmux.getArgs(),
                source + ": pgmux reads the image's config path and takes nothing else from its arguments"
                        + " (ports come from the config)");
        Optional<VolumeMount> mount = pgmux.getVolumeMounts().stream()
                .filter(m -> Path.of(m.getMountPath()).equals(image.configDirectory())).findFirst();
        if (mount.isEmpty()) {
            return new PgmuxPod(source, image, template, pgmux, read(image.sourceOf(image.configFile())), false);
        }
        Volume volume = template.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.get().getName()))
                .findFirst().orElseThrow(() -> new AssertionError(source + ": no volume " + mount.get().getName()));
        assertNotNull(volume.getConfigMap(), source + ": the config directory is mounted from a ConfigMap");
        ConfigMap configMap = Manifests.one(objects, ConfigMap.class, volume.getConfigMap().getName());
        String file = image.configFile().getFileName().toString();
        String text = configMap.getData().get(file);
        assertNotNull(text, source + ": ConfigMap " + configMap.getMetadata().getName() + " has " + file);
        return new PgmuxPod(source, image, template, pgmux, text, true);
    }

    PgmuxConfig config() {
        return config;
    }

    Map<String, String> labels() {
        return template.getMetadata().getLabels();
    }

    /** The config is the ConfigMap's, mounted where the Dockerfile's command reads it. */
    void checkConfigMountedWhereTheImageReadsIt() {
        assertTrue(configMounted, source + ": a ConfigMap is mounted at " + image.configDirectory());
    }

    /** Container ports for the addresses pgmux listens on outside the pod's loopback; the HTTP one must be. */
    void checkPortsMatchTheConfig() {
        HostPort listen = config.listen();
        if (!isLoopback(listen)) {
            assertTrue(containerPorts().contains(listen.port()), source + ": a container port for listen " + listen);
        }
        HostPort http = config.observability().httpListen();
        assertNotNull(http, source + ": http.listen is set (the probes need it)");
        assertTrue(!isLoopback(http), source + ": http.listen " + http + " is reachable from the kubelet");
        assertTrue(containerPorts().contains(http.port()), source + ": a container port for http.listen " + http);
    }

    /** Readiness on /readyz and liveness on /healthz (and a startup probe, if any, on either), on http.listen's port. */
    void checkProbesUseTheHttpPort() {
        int http = config.observability().httpListen().port();
        assertProbe("readiness", pgmux.getReadinessProbe(), "/readyz", http);
        assertProbe("liveness", pgmux.getLivenessProbe(), "/healthz", http);
        if (pgmux.getStartupProbe() != null) {
            assertProbe("startup", pgmux.getStartupProbe(), pgmux.getStartupProbe().getHttpGet().getPath(), http);
        }
    }

    private void assertProbe(String kind, Probe probe, String path, int port) {
        assertNotNull(probe, source + ": a " + kind + " probe");
        assertNotNull(probe.getHttpGet(), source + ": the " + kind + " probe is an HTTP GET");
        assertTrue(List.of("/readyz", "/healthz").contains(path), source + ": the " + kind + " probe's path " + path);
        assertEquals(path, probe.getHttpGet().getPath(), source + ": the " + kind + " probe's path");
        assertEquals(port, portNumber(probe.getHttpGet().getPort()), source + ": the " + kind + " probe's port");
    }

    /** Every container: not root, no privilege escalation, no capabilities, a read-only root filesystem. */
    void checkNothingRunsAsRoot() {
        PodSecurityContext pod = Objects.requireNonNullElseGet(spec.getSecurityContext(), PodSecurityContext::new);
        containers(spec).forEach(container -> {
            String name = source + ": container " + container.getName();
            SecurityContext own = Objects.requireNonNullElseGet(container.getSecurityContext(), SecurityContext::new);
            assertEquals(Boolean.TRUE, either(own.getRunAsNonRoot(), pod.getRunAsNonRoot()), name + ": runAsNonRoot");
            Long user = either(own.getRunAsUser(), pod.getRunAsUser());
            assertNotNull(user, name + ": runAsUser (a number, so that runAsNonRoot can check it)");
            assertNotEquals(0L, user, name + ": runAsUser");
            assertEquals(Boolean.TRUE, own.getReadOnlyRootFilesystem(), name + ": readOnlyRootFilesystem");
            assertEquals(Boolean.FALSE, own.getAllowPrivilegeEscalation(), name + ": allowPrivilegeEscalation");
            assertNotNull(own.getCapabilities(), name + ": capabilities");
            assertEquals(List.of("ALL"), own.getCapabilities().getDrop(), name + ": capabilities dropped");
            assertTrue(own.getCapabilities().getAdd().isEmpty(), name + ": no capability added");
            assertTrue(own.getPrivileged() == null || !own.getPrivileged(), name + ": not privileged");
        });
    }

    /**
     * The heap a share of the memory limit ({@code -XX:MaxRAMPercentage}, which the JVM reads from
     * JAVA_TOOL_OPTIONS), and an OutOfMemoryError ends the process.
     */
    void checkHeapFollowsTheMemoryLimit() {
        String options = environment(pgmux).getOrDefault("JAVA_TOOL_OPTIONS", "");
        assertTrue(options.matches(".*-XX:MaxRAMPercentage=\\d+(\\.\\d+)?\\b.*"), source + ": JAVA_TOOL_OPTIONS " + options);
        assertTrue(options.contains("-XX:+ExitOnOutOfMemoryError"), source + ": JAVA_TOOL_OPTIONS " + options);
        assertNotNull(pgmux.getResources().getLimits().get("memory"), source + ": a memory limit for the heap to follow");
    }

    /**
     * Running transactions get {@code shutdown_timeout}: the kubelet waits longer than the preStop
     * pause (if any; required with {@code preStopRequired}) and that timeout together.
     */
    void checkShutdownCanDrain(boolean preStopRequired) {
        long pause = 0;
        if (pgmux.getLifecycle() != null && pgmux.getLifecycle().getPreStop() != null) {
            List<String> command = pgmux.getLifecycle().getPreStop().getExec().getCommand();
            assertEquals("sleep", command.get(0), source + ": preStop pauses");
            pause = Long.parseLong(command.get(1));
            assertTrue(pause > 0, source + ": preStop pauses");
        } else if (preStopRequired) {
            fail(source + ": a preStop hook lets the Service stop sending clients before pgmux stops accepting them");
        }
        Long grace = spec.getTerminationGracePeriodSeconds();
        assertNotNull(grace, source + ": terminationGracePeriodSeconds");
        long drain = pause + config.shutdownTimeout().toSeconds();
        assertTrue(grace > drain, source + ": terminationGracePeriodSeconds " + grace + " > preStop " + pause
                + " s + shutdown_timeout " + config.shutdownTimeout().toSeconds() + " s");
    }

    /** prometheus.io annotations that point at /metrics on http.listen's port. */
    void checkPrometheusAnnotations() {
        Map<String, String> annotations = template.getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"), source + ": prometheus.io/scrape");
        assertEquals(String.valueOf(config.observability().httpListen().port()), annotations.get("prometheus.io/port"),
                source + ": prometheus.io/port");
        assertEquals("/metrics", annotations.get("prometheus.io/path"), source + ": prometheus.io/path");
    }

    /** A port of the pgmux container by number or by name. */
    int portNumber(IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return pgmux.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .map(ContainerPort::getContainerPort)
                .orElseThrow(() -> new AssertionError(source + ": the pgmux container has no port named " + port.getStrVal()));
    }

    private List<Integer> containerPorts() {
        return pgmux.getPorts().stream().map(ContainerPort::getContainerPort).toList();
    }

    private static Stream<Container> containers(PodSpec spec) {
        return Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream());
    }

    private static boolean isLoopback(HostPort address) {
        try {
            return InetAddress.getByName(address.host()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return address.host().equals("localhost");
        }
    }

    private static <T> T either(T own, T pod) {
        return own != null ? own : pod;
    }

    /**
     * The container's environment as pgmux sees it; a variable from a Secret or elsewhere
     * ({@code valueFrom}) stands for a value of its own, so that {@code ${NAME}} in the config finds it.
     */
    private static Map<String, String> environment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), variable.getValueFrom() != null ? "value-of-" + variable.getName()
                    : Objects.requireNonNullElse(variable.getValue(), ""));
        }
        return env;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
