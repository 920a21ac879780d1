package io.kmqtt.it;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads the compacted routes topic the way a router does at assignment: every live route. */
final class RouteTopic {

    private RouteTopic() {
    }

    /** Live routes as "gatewayId filter" strings, across all partitions. */
    static Set<String> liveRoutes(String bootstrapServers, String topicPrefix) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        String topic = topicPrefix + ".routes";
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<String, Boolean> state = new HashMap<>();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String[] key = new String(r.key(), StandardCharsets.UTF_8).split("\u0000", -1);
                    String route = key[0] + " " + key[2] + " @" + r.partition();
                    if (r.value() == null) {
                        state.remove(route);
                    } else {
                        state.put(route, true);
                    }
                }
            }
            Set<String> live = new TreeSet<>();
            state.keySet().forEach(k -> live.add(k.substring(0, k.lastIndexOf(" @"))));
            return live;
        }
    }
}
