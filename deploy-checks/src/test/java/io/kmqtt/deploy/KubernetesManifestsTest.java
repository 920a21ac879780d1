package io.kmqtt.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kustomize base and overlays under k8s/, read into fabric8's typed Kubernetes model. Each
 * overlay is resolved the way kustomize would resolve its resources (base plus its own files;
 * patches are checked to target something that exists), then checked as one set.
 */
class KubernetesManifestsTest {

    private static final Path K8S = io.kmqtt.deploy.Deployment.ROOT.resolve("k8s");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, ServiceConfig> CONFIGS = new HashMap<>();

    @BeforeAll
    static void configs() {
        for (String module : io.kmqtt.deploy.Deployment.SERVICES) {
            CONFIGS.put(module, ServiceConfig.of(io.kmqtt.deploy.Deployment.ROOT, module));
        }
    }

    static List<Path> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(K8S.resolve("overlays"))) {
            return dirs.filter(d -> Files.exists(d.resolve("kustomization.yaml"))).sorted().toList();
        }
    }

    @Test
    void thereAreLocalAndAwsOverlays() throws IOException {
        assertThat(overlays()).extracting(p -> p.getFileName().toString()).contains("local", "aws");
    }

    @Test
    void everyManifestIsValidForTheKubernetesModel() throws IOException {
        for (Path overlay : overlays()) {
            for (HasMetadata resource : resources(overlay)) {
                if (resource instanceof GenericKubernetesResource) {
                    continue; // custom resources (Strimzi) have no typed model here
                }
                List<String> unknown = new ArrayList<>();
                unknownFields(resource, resource.getKind() + "/" + resource.getMetadata().getName(), unknown,
                        new IdentityHashMap<>());
                assertThat(unknown).as("fields the Kubernetes model does not know (misspelt?) in %s", overlay).isEmpty();
            }
        }
    }

    @Test
    void workloadsRunTheProjectsImagesWithRealVariablesAndProbes() throws IOException {
        for (Path overlay : overlays()) {
            List<HasMetadata> all = resources(overlay);
            Map<String, Map<String, String>> configMaps = new HashMap<>();
            Map<String, Set<String>> secrets = new HashMap<>();
            for (HasMetadata r : all) {
                if (r instanceof ConfigMap c) {
                    configMaps.put(c.getMetadata().getName(), c.getData() == null ? Map.of() : c.getData());
                } else if (r instanceof Secret s) {
                    Set<String> keys = new java.util.HashSet<>();
                    if (s.getData() != null) keys.addAll(s.getData().keySet());
                    if (s.getStringData() != null) keys.addAll(s.getStringData().keySet());
                    secrets.put(s.getMetadata().getName(), keys);
                }
            }
            Set<String> modulesSeen = new java.util.HashSet<>();
            for (HasMetadata r : all) {
                PodTemplateSpec template = podTemplate(r);
                if (template == null) {
                    continue;
                }
                for (Container c : template.getSpec().getContainers()) {
                    String module = io.kmqtt.deploy.Deployment.moduleOf(c.getImage());
                    String where = overlay.getFileName() + ": " + r.getKind() + "/" + r.getMetadata().getName();
                    if (module == null) {
                        continue;
                    }
                    modulesSeen.add(module);
                    assertThat(io.kmqtt.deploy.Deployment.tagOf(c.getImage())).as(where).isEqualTo("0.1.0");
                    assertThat(c.getEnvFrom()).as("%s: envFrom would hand it variables meant for other services", where)
                            .isNullOrEmpty();
                    ServiceConfig config = CONFIGS.get(module);
                    Map<String, String> env = new LinkedHashMap<>();
                    for (EnvVar var : c.getEnv()) {
                        if (expandedLater(var.getName(), c.getEnv())) {
                            continue; // an input of $(NAME) expansion, e.g. POD_IP, not a setting of the service
                        }
                        assertThat(config.accepts(var.getName()))
                                .as("%s: %s is not a configuration property of %s", where, var.getName(), module).isTrue();
                        env.put(var.getName(), resolve(var, configMaps, secrets, where));
                    }
                    int http = Integer.parseInt(env.getOrDefault("QUARKUS_HTTP_PORT",
                            config.packagedValue("quarkus.http.port").orElse("8080")));
                    assertThat(c.getPorts()).as(where).extracting(ContainerPort::getContainerPort).contains(http);
                    if (module.equals("mqtt-gateway")) {
                        assertThat(c.getPorts()).as(where).extracting(ContainerPort::getContainerPort)
                                .contains(Integer.parseInt(env.getOrDefault("MQTT_TCP_PORT", "1883")));
                    }
                    assertThat(c.getReadinessProbe()).as("%s readiness probe", where).isNotNull();
                    assertThat(c.getLivenessProbe()).as("%s liveness probe", where).isNotNull();
                    for (Probe probe : Stream.of(c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe())
                            .filter(Objects::nonNull).toList()) {
                        assertThat(probe.getHttpGet()).as("%s probes over HTTP", where).isNotNull();
                        assertThat(probe.getHttpGet().getPath()).as(where).matches("/q/health/(live|ready|started)");
                        assertThat(portNumber(probe.getHttpGet().getPort(), c)).as("%s probe port", where).isEqualTo(http);
                    }
                }
            }
            assertThat(modulesSeen).as("services deployed by %s", overlay).containsAll(io.kmqtt.deploy.Deployment.SERVICES);
        }
    }

    @Test
    void servicesSelectPodsAndTargetTheirPorts() throws IOException {
        for (Path overlay : overlays()) {
            List<HasMetadata> all = resources(overlay);
            for (HasMetadata r : all) {
                if (!(r instanceof Service service) || service.getSpec().getSelector() == null) {
                    continue;
                }
                String where = overlay.getFileName() + ": Service/" + service.getMetadata().getName();
                List<PodTemplateSpec> selected = all.stream().map(KubernetesManifestsTest::podTemplate).filter(Objects::nonNull)
                        .filter(t -> labelsMatch(service.getSpec().getSelector(), t.getMetadata().getLabels())).toList();
                assertThat(selected).as("%s selects some pods", where).isNotEmpty();
                service.getSpec().getPorts().forEach(port -> {
                    IntOrString target = port.getTargetPort() == null ? new IntOrString(port.getPort()) : port.getTargetPort();
                    for (PodTemplateSpec t : selected) {
                        boolean found = t.getSpec().getContainers().stream().anyMatch(c -> portNumber(target, c) != null);
                        assertThat(found).as("%s port %s targets %s, which its pods expose", where, port.getPort(),
                                target.getValue()).isTrue();
                    }
                });
            }
        }
    }

    @Test
    void gatewayHasDisruptionBudgetAutoscalerDrainAndLoadBalancer() throws IOException {
        for (Path overlay : overlays()) {
            List<HasMetadata> all = resources(overlay);
            Deployment gateway = all.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                    .filter(d -> d.getMetadata().getName().equals("mqtt-gateway")).findFirst().orElseThrow();
            Map<String, String> podLabels = gateway.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(all).filteredOn(PodDisruptionBudget.class::isInstance).map(PodDisruptionBudget.class::cast)
                    .as("%s: a PodDisruptionBudget for the gateways", overlay)
                    .anyMatch(p -> labelsMatch(p.getSpec().getSelector().getMatchLabels(), podLabels));
            assertThat(all).filteredOn(HorizontalPodAutoscaler.class::isInstance).map(HorizontalPodAutoscaler.class::cast)
                    .as("%s: an autoscaler for the gateways", overlay)
                    .anyMatch(h -> h.getSpec().getScaleTargetRef().getName().equals("mqtt-gateway")
                            && h.getSpec().getScaleTargetRef().getKind().equals("Deployment"));
            Container container = gateway.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(container.getLifecycle().getPreStop()).as("%s: preStop", overlay).isNotNull();
            assertThat(container.getEnv()).extracting(EnvVar::getName).contains("MQTT_DRAIN_DURATION", "MQTT_PROXY_PROTOCOL");
            assertThat(all).filteredOn(Service.class::isInstance).map(Service.class::cast)
                    .as("%s: a LoadBalancer Service with 1883 and 8883", overlay)
                    .anyMatch(s -> "LoadBalancer".equals(s.getSpec().getType())
                            && s.getSpec().getPorts().stream().map(p -> p.getPort()).toList().containsAll(List.of(1883, 8883)));
        }
        // The aws overlay's patch of the load balancer Service carries the NLB annotations.
        Path aws = K8S.resolve("overlays/aws");
        Service nlb = null;
        for (JsonNode patch : YAML.readTree(aws.resolve("kustomization.yaml").toFile()).path("patches")) {
            if (patch.has("path")) {
                Object parsed = SERIALIZATION.unmarshal(Files.readString(aws.resolve(patch.path("path").asText())));
                if (parsed instanceof Service s && s.getMetadata().getName().equals("mqtt-gateway")) {
                    nlb = s;
                }
            }
        }
        assertThat(nlb).as("aws overlay patches Service/mqtt-gateway").isNotNull();
        assertThat(nlb.getMetadata().getAnnotations())
                .containsEntry("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol", "*")
                .containsKey("service.beta.kubernetes.io/aws-load-balancer-type");
    }

    // ---- resolving an overlay like kustomize does (resources only; patches must hit something) ----

    static List<HasMetadata> resources(Path kustomizationDir) throws IOException {
        JsonNode kustomization = YAML.readTree(kustomizationDir.resolve("kustomization.yaml").toFile());
        List<HasMetadata> out = new ArrayList<>();
        for (JsonNode entry : kustomization.path("resources")) {
            Path path = kustomizationDir.resolve(entry.asText()).normalize();
            assertThat(path).as("%s lists %s", kustomizationDir, entry.asText()).exists();
            if (Files.isDirectory(path)) {
                out.addAll(resources(path));
            } else {
                out.addAll(parse(path));
            }
        }
        for (String key : List.of("patches", "patchesStrategicMerge")) {
            for (JsonNode patch : kustomization.path(key)) {
                String file = patch.isTextual() ? patch.asText() : patch.path("path").asText(null);
                String kind;
                String name;
                if (patch.has("target")) {
                    kind = patch.path("target").path("kind").asText(null);
                    name = patch.path("target").path("name").asText(null);
                } else {
                    JsonNode body = file != null ? YAML.readTree(kustomizationDir.resolve(file).toFile())
                            : YAML.readTree(patch.path("patch").asText());
                    kind = body.path("kind").asText(null);
                    name = body.path("metadata").path("name").asText(null);
                }
                if (file != null) {
                    assertThat(kustomizationDir.resolve(file)).as("%s patch file", kustomizationDir).exists();
                }
                assertThat(out).as("%s patches %s/%s, which must exist", kustomizationDir, kind, name)
                        .anyMatch(r -> (kind == null || r.getKind().equals(kind))
                                && (name == null || r.getMetadata().getName().equals(name)));
            }
        }
        return out;
    }

    private static List<HasMetadata> parse(Path file) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
                continue;
            }
            Object parsed = SERIALIZATION.unmarshal(document);
            assertThat(parsed).as("%s holds Kubernetes resources", file).isInstanceOf(HasMetadata.class);
            out.add((HasMetadata) parsed);
        }
        return out;
    }

    // ---- helpers ----

    static PodTemplateSpec podTemplate(HasMetadata r) {
        if (r instanceof Deployment d) {
            return d.getSpec().getTemplate();
        }
        if (r instanceof StatefulSet s) {
            return s.getSpec().getTemplate();
        }
        return null;
    }

    private static boolean labelsMatch(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    private static Integer portNumber(IntOrString port, Container container) {
        if (port.getIntVal() != null) {
            return container.getPorts().stream().anyMatch(p -> p.getContainerPort().equals(port.getIntVal())) ? port.getIntVal() : null;
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    /** Whether a later variable of the same container uses this one as {@code $(NAME)}. */
    private static boolean expandedLater(String name, List<EnvVar> env) {
        boolean after = false;
        for (EnvVar v : env) {
            if (after && v.getValue() != null && v.getValue().contains("$(" + name + ")")) {
                return true;
            }
            after |= v.getName().equals(name);
        }
        return false;
    }

    private static String resolve(EnvVar var, Map<String, Map<String, String>> configMaps, Map<String, Set<String>> secrets,
                                  String where) {
        if (var.getValueFrom() == null) {
            return var.getValue();
        }
        var from = var.getValueFrom();
        if (from.getConfigMapKeyRef() != null) {
            Map<String, String> data = configMaps.get(from.getConfigMapKeyRef().getName());
            assertThat(data).as("%s: ConfigMap %s for %s", where, from.getConfigMapKeyRef().getName(), var.getName()).isNotNull();
            assertThat(data).as("%s: key %s for %s", where, from.getConfigMapKeyRef().getKey(), var.getName())
                    .containsKey(from.getConfigMapKeyRef().getKey());
            return data.get(from.getConfigMapKeyRef().getKey());
        }
        if (from.getSecretKeyRef() != null) {
            Set<String> keys = secrets.get(from.getSecretKeyRef().getName());
            assertThat(keys).as("%s: Secret %s for %s", where, from.getSecretKeyRef().getName(), var.getName()).isNotNull();
            assertThat(keys).as("%s: secret key for %s", where, var.getName()).contains(from.getSecretKeyRef().getKey());
            return "<secret>";
        }
        return "<from field>";
    }

    /** Anything the typed model could not place lands in additionalProperties: a misspelt or misplaced field. */
    private static void unknownFields(Object node, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen) {
        if (node == null || seen.put(node, true) != null) {
            return;
        }
        if (node instanceof Collection<?> c) {
            int i = 0;
            for (Object o : c) {
                unknownFields(o, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, unknown, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = getter.invoke(node);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        unknown.add(path + ": " + extra.keySet());
                    }
                } else {
                    unknownFields(value, path + "." + getter.getName().substring(3), unknown, seen);
                }
            } catch (ReflectiveOperationException e) {
                // not a bean property
            }
        }
    }
}
