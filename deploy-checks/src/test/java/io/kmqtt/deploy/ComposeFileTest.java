package io.kmqtt.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docker-compose.yml against the packaged services: variables, images, ports, health and start order. */
class ComposeFileTest {

    private static JsonNode services;
    private static final Map<String, ServiceConfig> CONFIGS = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        // SnakeYAML resolves the anchors and merge keys (<<: *gateway) that Jackson's YAML reader leaves as they are.
        Object yaml;
        try (var in = Files.newInputStream(Deployment.ROOT.resolve("docker-compose.yml"))) {
            yaml = new org.yaml.snakeyaml.Yaml().load(in);
        }
        JsonNode compose = new ObjectMapper().valueToTree(yaml);
        services = compose.get("services");
        assertThat(services).as("services in docker-compose.yml").isNotNull();
        for (String module : Deployment.SERVICES) {
            CONFIGS.put(module, ServiceConfig.of(Deployment.ROOT, module));
        }
    }

    @Test
    void startsTheWholeTopology() {
        Map<String, Integer> perModule = new HashMap<>();
        services.fields().forEachRemaining(e -> {
            String module = Deployment.moduleOf(e.getValue().path("image").asText(null));
            if (module != null) {
                perModule.merge(module, 1, Integer::sum);
            }
        });
        assertThat(perModule).containsEntry("mqtt-gateway", 2).containsEntry("routing-service", 2)
                .containsEntry("auth-service", 1).containsEntry("admin-api", 1);
        List<String> images = images();
        assertThat(images).anyMatch(i -> i.startsWith("apache/kafka")).anyMatch(i -> i.startsWith("redis"))
                .anyMatch(i -> i.startsWith("haproxy")).anyMatch(i -> i.startsWith("prom/prometheus"))
                .anyMatch(i -> i.startsWith("grafana/grafana"));
    }

    @Test
    void everyVariableGivenToAServiceIsOneOfItsConfigurationProperties() {
        services.fields().forEachRemaining(e -> {
            String module = Deployment.moduleOf(e.getValue().path("image").asText(null));
            if (module == null) {
                return;
            }
            ServiceConfig config = CONFIGS.get(module);
            assertThat(config).as("%s runs unknown module %s", e.getKey(), module).isNotNull();
            environment(e.getValue()).keySet().forEach(var -> assertThat(config.accepts(var))
                    .as("%s: %s is not a configuration property of %s (it would be ignored)", e.getKey(), var, module)
                    .isTrue());
        });
    }

    @Test
    void imagesAreBuiltFromTheModulesDockerfiles() {
        services.fields().forEachRemaining(e -> {
            String image = e.getValue().path("image").asText(null);
            String module = Deployment.moduleOf(image);
            if (module == null) {
                return;
            }
            assertThat(Deployment.tagOf(image)).as(e.getKey()).isEqualTo("0.1.0-jvm");
            JsonNode build = e.getValue().path("build");
            Path context = Deployment.ROOT.resolve(build.path("context").asText("."));
            assertThat(context.normalize()).as("%s build context", e.getKey()).isEqualTo(Deployment.ROOT.resolve(module));
            assertThat(context.resolve(build.path("dockerfile").asText("Dockerfile"))).as("%s Dockerfile", e.getKey()).isRegularFile();
        });
    }

    @Test
    void healthChecksProbeTheServicesOwnHttpPort() {
        services.fields().forEachRemaining(e -> {
            JsonNode healthcheck = e.getValue().path("healthcheck");
            assertThat(healthcheck.isMissingNode()).as("%s has a healthcheck", e.getKey()).isFalse();
            String module = Deployment.moduleOf(e.getValue().path("image").asText(null));
            if (module == null) {
                return;
            }
            int port = httpPort(module, environment(e.getValue()));
            assertThat(healthcheck.path("test").toString()).as("%s healthcheck", e.getKey())
                    .contains("localhost:" + port + "/q/health");
        });
    }

    @Test
    void publishedPortsAreTheServicesOwnPorts() {
        services.fields().forEachRemaining(e -> {
            String module = Deployment.moduleOf(e.getValue().path("image").asText(null));
            if (module == null) {
                return;
            }
            Map<String, String> env = environment(e.getValue());
            int http = httpPort(module, env);
            int mqtt = Integer.parseInt(env.getOrDefault("MQTT_TCP_PORT", "1883"));
            e.getValue().path("ports").forEach(p -> {
                String spec = p.asText();
                int container = Integer.parseInt(spec.substring(spec.lastIndexOf(':') + 1).replace("/tcp", ""));
                assertThat(container).as("%s publishes %s", e.getKey(), spec)
                        .isIn(module.equals("mqtt-gateway") ? List.of(http, mqtt) : List.of(http));
            });
        });
    }

    @Test
    void dependenciesExistAndAreWaitedForUntilHealthy() {
        services.fields().forEachRemaining(e -> {
            JsonNode dependsOn = e.getValue().path("depends_on");
            if (isKmqtt(e.getValue())) {
                assertThat(dependsOn.isMissingNode()).as("%s declares what it needs", e.getKey()).isFalse();
            }
            List<String> targets = new java.util.ArrayList<>();
            if (dependsOn.isArray()) {
                dependsOn.forEach(t -> targets.add(t.asText()));
            } else {
                dependsOn.fields().forEachRemaining(t -> {
                    targets.add(t.getKey());
                    assertThat(t.getValue().path("condition").asText()).as("%s waits for %s", e.getKey(), t.getKey())
                            .isEqualTo("service_healthy");
                });
            }
            targets.forEach(t -> assertThat(services.has(t)).as("%s depends on unknown service %s", e.getKey(), t).isTrue());
        });
        assertThat(dependencies("mqtt-gateway")).contains("kafka-1", "kafka-2", "kafka-3", "auth-service");
        assertThat(dependencies("routing-service")).contains("kafka-1", "kafka-2", "kafka-3");
        assertThat(dependencies("auth-service")).contains("redis");
    }

    /** Issue #15: one Kafka node can die without losing an acknowledged message or stopping the cluster. */
    @Test
    void kafkaIsThreeKraftNodesWithReplicationFactor3AndTwoInSyncReplicas() {
        List<String> nodes = new java.util.ArrayList<>();
        services.fields().forEachRemaining(e -> {
            if (e.getValue().path("image").asText("").startsWith("apache/kafka")) {
                nodes.add(e.getKey());
                Map<String, String> env = environment(e.getValue());
                assertThat(env).as(e.getKey()).containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                        .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                        .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                        .containsEntry("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false")
                        .containsEntry("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://" + e.getKey() + ":9092");
                assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).as(e.getKey())
                        .isEqualTo("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093")
                        .contains(env.get("KAFKA_NODE_ID") + "@" + e.getKey() + ":9093");
            }
        });
        assertThat(nodes).containsExactlyInAnyOrder("kafka-1", "kafka-2", "kafka-3");
        services.fields().forEachRemaining(e -> {
            Map<String, String> env = environment(e.getValue());
            if (isKmqtt(e.getValue()) && env.containsKey("BUS_KAFKA_BOOTSTRAP_SERVERS")) {
                assertThat(env.get("BUS_KAFKA_BOOTSTRAP_SERVERS").split(",")).as(e.getKey())
                        .containsExactlyInAnyOrder("kafka-1:9092", "kafka-2:9092", "kafka-3:9092");
                assertThat(env).as(e.getKey()).containsEntry("BUS_KAFKA_REPLICATION_FACTOR", "3");
            }
        });
    }

    @Test
    void mountedFilesExist() {
        services.fields().forEachRemaining(e -> e.getValue().path("volumes").forEach(v -> {
            String source = v.asText().split(":")[0];
            if (source.startsWith("./")) {
                assertThat(Deployment.ROOT.resolve(source)).as("%s mounts %s", e.getKey(), source).exists();
            }
        }));
    }

    @Test
    void loadBalancerAndPrometheusPointAtRealServicesAndPorts() throws Exception {
        String haproxy = Files.readString(Deployment.ROOT.resolve("deploy/haproxy/haproxy.cfg"));
        Matcher server = Pattern.compile("(?m)^\\s*server\\s+\\S+\\s+([\\w-]+):(\\d+)(.*)$").matcher(haproxy);
        int servers = 0;
        while (server.find()) {
            servers++;
            JsonNode gateway = services.get(server.group(1));
            assertThat(gateway).as("haproxy server %s", server.group(1)).isNotNull();
            Map<String, String> env = environment(gateway);
            assertThat(server.group(2)).isEqualTo(env.getOrDefault("MQTT_TCP_PORT", "1883"));
            assertThat(server.group(3).contains("send-proxy"))
                    .as("haproxy sends PROXY headers to %s exactly when it expects them", server.group(1))
                    .isEqualTo(Boolean.parseBoolean(env.getOrDefault("MQTT_PROXY_PROTOCOL", "false")));
            // a stalled gateway's kernel still accepts TCP on its MQTT port: only its HTTP liveness shows a stall
            assertThat(server.group(3)).as("haproxy checks %s on its HTTP port", server.group(1))
                    .contains("check port " + env.getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        }
        assertThat(servers).isEqualTo(2);
        assertThat(haproxy).as("haproxy's check asks the gateways' liveness endpoint")
                .containsPattern("(?m)^\\s*option httpchk GET /q/health/live$");

        String prometheus = Files.readString(Deployment.ROOT.resolve("deploy/prometheus/prometheus.yml"));
        Matcher target = Pattern.compile("([a-z][\\w-]*):(\\d+)").matcher(prometheus);
        int targets = 0;
        while (target.find()) {
            JsonNode service = services.get(target.group(1));
            if (service == null || !isKmqtt(service)) {
                continue;
            }
            targets++;
            assertThat(Integer.parseInt(target.group(2))).as("prometheus target %s", target.group())
                    .isEqualTo(httpPort(Deployment.moduleOf(service.path("image").asText()), environment(service)));
        }
        assertThat(targets).as("gateways and routers scraped").isGreaterThanOrEqualTo(4);
    }

    private static List<String> dependencies(String module) {
        List<String> all = new java.util.ArrayList<>();
        services.fields().forEachRemaining(e -> {
            if (module.equals(Deployment.moduleOf(e.getValue().path("image").asText(null)))) {
                JsonNode d = e.getValue().path("depends_on");
                if (d.isArray()) {
                    d.forEach(t -> all.add(t.asText()));
                } else {
                    d.fieldNames().forEachRemaining(all::add);
                }
            }
        });
        return all;
    }

    private static boolean isKmqtt(JsonNode service) {
        return Deployment.moduleOf(service.path("image").asText(null)) != null;
    }

    private static List<String> images() {
        List<String> images = new java.util.ArrayList<>();
        services.forEach(s -> images.add(s.path("image").asText("")));
        return images;
    }

    private static int httpPort(String module, Map<String, String> env) {
        return Integer.parseInt(env.getOrDefault("QUARKUS_HTTP_PORT",
                CONFIGS.get(module).packagedValue("quarkus.http.port").orElse("8080")));
    }

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode node = service.path("environment");
        if (node.isArray()) {
            node.forEach(v -> {
                String[] kv = v.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            });
        } else {
            node.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        }
        return env;
    }
}
