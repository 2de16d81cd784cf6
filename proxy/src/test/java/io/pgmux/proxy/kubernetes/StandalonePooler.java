package io.pgmux.proxy.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;

/**
 * The checks of the standalone pooler, the same for conf/kubernetes/standalone and for what the
 * Helm chart renders: the pods (see {@link PgmuxPod}), and the objects around them select those
 * pods and reach the ports pgmux listens on.
 */
final class StandalonePooler {
    private StandalonePooler() {
    }

    /** Checks every object of the pooler; returns its pod for more checks. */
    static PgmuxPod check(List<HasMetadata> objects, String source) {
        Deployment deployment = Manifests.one(objects, Deployment.class, null);
        PgmuxPod pod = PgmuxPod.of(source, deployment.getSpec().getTemplate(), Image.fromDockerfile(), objects);
        pod.checkConfigMountedWhereTheImageReadsIt();
        pod.checkPortsMatchTheConfig();
        pod.checkProbesUseTheHttpPort();
        pod.checkNothingRunsAsRoot();
        pod.checkHeapFollowsTheMemoryLimit();
        pod.checkShutdownCanDrain(true);
        pod.checkPrometheusAnnotations();
        assertTrue(selects(deployment.getSpec().getSelector(), pod.labels()), source + ": the Deployment selects its pods");

        List<HorizontalPodAutoscaler> autoscalers = Manifests.all(objects, HorizontalPodAutoscaler.class);
        Integer replicas = deployment.getSpec().getReplicas();
        assertTrue(replicas != null && replicas >= 2 || !autoscalers.isEmpty(), source + ": at least 2 replicas");
        for (HorizontalPodAutoscaler autoscaler : autoscalers) {
            checkAutoscaler(autoscaler, deployment, source);
        }
        for (PodDisruptionBudget budget : Manifests.all(objects, PodDisruptionBudget.class)) {
            assertTrue(selects(budget.getSpec().getSelector(), pod.labels()), source + ": the PodDisruptionBudget selects the pods");
        }
        assertEquals(1, Manifests.all(objects, PodDisruptionBudget.class).size(), source + ": a PodDisruptionBudget");

        List<Service> services = Manifests.all(objects, Service.class);
        Service clients = services.stream().filter(s -> !"None".equals(s.getSpec().getClusterIP())).findFirst()
                .orElseThrow(() -> new AssertionError(source + ": a Service for the clients"));
        Service headless = services.stream().filter(s -> "None".equals(s.getSpec().getClusterIP())).findFirst()
                .orElseThrow(() -> new AssertionError(source + ": a headless Service"));
        for (Service service : services) {
            assertTrue(selects(service.getSpec().getSelector(), pod.labels()),
                    source + ": Service " + service.getMetadata().getName() + " selects the pods");
        }
        assertEquals(List.of(pod.config().listen().port()), targetPorts(clients, pod), source + ": the clients' Service reaches listen");
        assertTrue(targetPorts(headless, pod).contains(pod.config().observability().httpListen().port()),
                source + ": the headless Service reaches http.listen");
        for (ServiceMonitor monitor : Manifests.all(objects, ServiceMonitor.class)) {
            checkServiceMonitor(monitor, services, headless, source);
        }
        return pod;
    }

    private static void checkAutoscaler(HorizontalPodAutoscaler autoscaler, Deployment deployment, String source) {
        assertEquals("Deployment", autoscaler.getSpec().getScaleTargetRef().getKind(), source + ": the autoscaler's target");
        assertEquals(deployment.getMetadata().getName(), autoscaler.getSpec().getScaleTargetRef().getName(),
                source + ": the autoscaler scales the Deployment");
        assertTrue(autoscaler.getSpec().getMinReplicas() >= 2, source + ": the autoscaler keeps at least 2 replicas");
        assertTrue(autoscaler.getSpec().getMaxReplicas() >= autoscaler.getSpec().getMinReplicas(), source + ": maxReplicas");
        List<String> resources = autoscaler.getSpec().getMetrics().stream().map(MetricSpec::getResource)
                .map(r -> r == null ? null : r.getName()).toList();
        assertEquals(List.of("cpu"), resources, source + ": the autoscaler follows CPU");
    }

    /** The ServiceMonitor selects exactly the headless Service, on a port that Service has. */
    private static void checkServiceMonitor(ServiceMonitor monitor, List<Service> services, Service headless, String source) {
        List<Service> selected = services.stream()
                .filter(s -> selects(monitor.getSpec().getSelector(), s.getMetadata().getLabels())).toList();
        assertEquals(List.of(headless), selected, source + ": the ServiceMonitor selects the headless Service");
        List<String> portNames = headless.getSpec().getPorts().stream().map(ServicePort::getName).toList();
        for (Endpoint endpoint : monitor.getSpec().getEndpoints()) {
            assertTrue(portNames.contains(endpoint.getPort()), source + ": the ServiceMonitor's port " + endpoint.getPort());
            assertEquals("/metrics", endpoint.getPath(), source + ": the ServiceMonitor's path");
        }
    }

    private static List<Integer> targetPorts(Service service, PgmuxPod pod) {
        return service.getSpec().getPorts().stream().map(p -> pod.portNumber(p.getTargetPort())).toList();
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        assertNotNull(selector, "a selector");
        assertTrue(selector.getMatchExpressions().isEmpty(), "selectors here use matchLabels only");
        return selects(selector.getMatchLabels(), labels);
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }
}
