package io.kmqtt.deploy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The property model itself: it must know real variables and reject misspelt or foreign ones. */
class ServiceConfigTest {

    private static final ServiceConfig GATEWAY = ServiceConfig.of(Deployment.ROOT, "mqtt-gateway");
    private static final ServiceConfig AUTH = ServiceConfig.of(Deployment.ROOT, "auth-service");

    @Test
    void knowsTheProjectsOwnMappingsAndTheQuarkusExtensions() {
        assertThat(GATEWAY.properties()).contains("mqtt.tcp.port", "mqtt.auth.service-url", "mqtt.proxy-protocol",
                "bus.kafka.bootstrap-servers", "quarkus.http.port");
        assertThat(GATEWAY.accepts("MQTT_TCP_PORT")).isTrue();
        assertThat(GATEWAY.accepts("MQTT_AUTH_SERVICE_URL")).isTrue();
        assertThat(GATEWAY.accepts("BUS_KAFKA_BOOTSTRAP_SERVERS")).isTrue();
        assertThat(GATEWAY.accepts("QUARKUS_HTTP_PORT")).isTrue();
        assertThat(GATEWAY.accepts("QUARKUS_LOG_CATEGORY__ORG_APACHE_KAFKA__LEVEL")).as("map keys").isTrue();
        assertThat(GATEWAY.accepts("BUS_KAFKA_CLIENT__SASL_MECHANISM_")).as("the bus's map of Kafka client properties").isTrue();
        assertThat(AUTH.accepts("QUARKUS_REDIS_HOSTS")).isTrue();
        assertThat(AUTH.accepts("AUTH_REDIS_ACL_CMD")).isTrue();
    }

    @Test
    void rejectsMisspeltAndForeignVariables() {
        assertThat(GATEWAY.accepts("MQTT_TCP_PROT")).isFalse();
        assertThat(GATEWAY.accepts("MQTT_ALLOW_ANONYMOUSLY")).isFalse();
        assertThat(GATEWAY.accepts("QUARKUS_REDIS_HOSTS")).as("the gateway has no Redis client").isFalse();
        assertThat(AUTH.accepts("MQTT_TCP_PORT")).as("the auth-service has no MQTT listener").isFalse();
        assertThat(AUTH.accepts("QUARKUS_PACKAGE_JAR_TYPE")).as("build-time only").isFalse();
    }
}
