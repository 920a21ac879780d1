package io.kmqtt.it;

import io.kmqtt.testinfra.KafkaServer;

/**
 * One real KRaft Kafka broker for every integration test in this JVM; tests isolate themselves
 * with their own topic prefix and consumer group. Stopped by the test-infra shutdown hook.
 */
final class SharedKafka {

    private static KafkaServer server;

    private SharedKafka() {
    }

    static synchronized String bootstrapServers() throws Exception {
        if (server == null) {
            server = KafkaServer.start();
        }
        return server.bootstrapServers();
    }
}
