package io.pgmux.proxy.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.pgmux.proxy.config.PeerEntry;
import io.pgmux.proxy.config.PeersConfig;
import org.junit.jupiter.api.Test;

/**
 * conf/helm/pgmux, through helm's own lint and template (helm-java runs the helm library in this
 * JVM): it renders the standalone pooler of conf/kubernetes, and its values follow through.
 */
class HelmChartTest {
    private static final Path CHART = Image.REPOSITORY.resolve("conf/helm/pgmux");

    private static List<HasMetadata> render(String description, UnaryOperator<TemplateCommand> values) {
        String yaml = values.apply(new Helm(CHART).template().withName("pgmux")).call();
        return Manifests.parse(yaml, "helm template " + CHART + " " + description);
    }

    @Test
    void helmLintFindsNothingEvenStrict() {
        LintResult result = new Helm(CHART).lint().strict().call();

        assertFalse(result.isFailed(), result.getMessages().toString());
    }

    @Test
    void theDefaultValuesRenderTheStandalonePoolerOfTheManifests() throws IOException {
        List<HasMetadata> objects = render("(defaults)", t -> t);

        PgmuxPod pod = StandalonePooler.check(objects, "chart (defaults)");

        PgmuxPod plain = PgmuxPod.of("manifests", Manifests.one(KubernetesManifestsTest.standalone(), Deployment.class, null)
                .getSpec().getTemplate(), Image.fromDockerfile(), KubernetesManifestsTest.standalone());
        assertEquals(plain.config(), pod.config(), "the same pgmux config as conf/kubernetes/standalone/configmap.yaml");
        assertEquals(1, Manifests.all(objects, HorizontalPodAutoscaler.class).size());
        assertEquals(List.of(), Manifests.all(objects, ServiceMonitor.class), "off unless asked: it needs the Operator's CRDs");
    }

    @Test
    void theServiceMonitorScrapesTheHeadlessService() {
        List<HasMetadata> objects = render("with a ServiceMonitor", t -> t.set("metrics.serviceMonitor.enabled", true));

        StandalonePooler.check(objects, "chart with a ServiceMonitor");
        assertEquals(1, Manifests.all(objects, ServiceMonitor.class).size());
    }

    @Test
    void portsAndTheGracePeriodFollowTheConfig() {
        List<HasMetadata> objects = render("with other ports and shutdown_timeout", t -> t
                .set("config.listen", "0.0.0.0:7432")
                .set("config.http.listen", "[::]:9300")
                .set("config.shutdown_timeout", "2m")
                .set("preStopSleepSeconds", 5));

        PgmuxPod pod = StandalonePooler.check(objects, "chart with other ports");
        assertEquals(7432, pod.config().listen().port());
        assertEquals(9300, pod.config().observability().httpListen().port());
        assertEquals(Duration.ofMinutes(2), pod.config().shutdownTimeout());
        Deployment deployment = Manifests.one(objects, Deployment.class, null);
        assertEquals(5 + 120 + 10, deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds());
    }

    @Test
    void theReplicasArePeersThroughTheHeadlessServiceUnlessPeeringIsOff() {
        PgmuxPod peered = StandalonePooler.check(render("with another listen port", t -> t.set("config.listen", "0.0.0.0:7432")),
                "chart with another listen port");
        assertEquals(new PeersConfig(PeersConfig.AUTO, List.of(new PeerEntry(0, "pgmux-headless", 7432)), Duration.ofSeconds(5)),
                peered.config().peers(), "every pod behind the headless Service, on the port clients use");

        PgmuxPod alone = StandalonePooler.check(render("without peering", t -> t.set("peering.enabled", false)),
                "chart without peering");
        assertEquals(PeersConfig.none(), alone.config().peers());

        IllegalStateException noHeadless = assertThrows(IllegalStateException.class,
                () -> render("peering without the headless Service", t -> t.set("headlessService.enabled", false)));
        assertTrue(noHeadless.getMessage().contains("peering.enabled needs headlessService.enabled"), noHeadless.getMessage());
    }

    @Test
    void withoutAutoscalingTheDeploymentHasReplicaCount() {
        List<HasMetadata> objects = render("without autoscaling", t -> t
                .set("autoscaling.enabled", false).set("replicaCount", 3));

        StandalonePooler.check(objects, "chart without autoscaling");
        assertEquals(List.of(), Manifests.all(objects, HorizontalPodAutoscaler.class));
        assertEquals(3, Manifests.one(objects, Deployment.class, null).getSpec().getReplicas());
    }

    @Test
    void theReplicaCountIsTheAutoscalersWhileItIsOn() {
        List<HasMetadata> objects = render("(defaults)", t -> t);

        assertNull(Manifests.one(objects, Deployment.class, null).getSpec().getReplicas(),
                "no replicas field for an upgrade to reset under the autoscaler");
    }

    @Test
    void aLoopbackOrMissingAddressIsRefusedAtRender() {
        IllegalStateException loopback = assertThrows(IllegalStateException.class,
                () -> render("with a loopback listen", t -> t.set("config.listen", "127.0.0.1:6432")));
        assertTrue(loopback.getMessage().contains("config.listen is 127.0.0.1:6432, a loopback address"), loopback.getMessage());

        IllegalStateException noHttp = assertThrows(IllegalStateException.class,
                () -> render("without http.listen", t -> t.set("config.http.listen", "")));
        assertTrue(noHttp.getMessage().contains("config.http.listen must be set"), noHttp.getMessage());
    }

    @Test
    void everyValueIsCommented() throws IOException {
        List<String> lines = Files.readAllLines(CHART.resolve("values.yaml"));
        List<String> uncommented = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean key = line.matches("( {2})*[A-Za-z_][A-Za-z0-9_.]*:.*");
            boolean underAList = line.startsWith("  ") && lines.subList(0, i).stream()
                    .filter(l -> !l.startsWith(" ") && !l.startsWith("#") && !l.isBlank()).reduce((a, b) -> b)
                    .map(parent -> parent.startsWith("env:")).orElse(false);
            if (key && !underAList && !isDescribed(lines, i)) {
                uncommented.add((i + 1) + ": " + line);
            }
        }
        assertEquals(List.of(), uncommented, "values without a comment above them (or a parent's comment for a block"
                + " of Kubernetes' own fields)");
    }

    /**
     * A key is described by the comment lines right above it, or, inside a mapping of Kubernetes' or
     * pgmux's own fields (resources, securityContext, the pgmux config's users...), by its parent's comment.
     */
    private static boolean isDescribed(List<String> lines, int index) {
        if (index > 0 && lines.get(index - 1).strip().startsWith("#")) {
            return true;
        }
        int indent = indent(lines.get(index));
        for (int i = index - 1; i >= 0 && indent > 0; i--) {
            String line = lines.get(i);
            if (!line.isBlank() && !line.strip().startsWith("#") && indent(line) < indent) {
                return BLOCKS_DESCRIBED_AS_A_WHOLE.contains(line.strip()) && isDescribed(lines, i);
            }
        }
        return false;
    }

    /** Mappings whose fields are Kubernetes' or pgmux's own, described once above the mapping. */
    private static final List<String> BLOCKS_DESCRIBED_AS_A_WHOLE = List.of("requests:", "limits:", "podSecurityContext:",
            "securityContext:", "seccompProfile:", "capabilities:", "app:", "http:", "log:");

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }
}
