package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.DeliveryReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Reads a gateway's delivery topic from any retained position, with its own consumer (no group):
 * how sessions that fell behind take back the messages they missed.
 */
final class KafkaDeliveryReader implements DeliveryReader {

    private static final Logger LOG = Logger.getLogger(KafkaDeliveryReader.class.getName());

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;

    KafkaDeliveryReader(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        this.consumer = consumer;
        this.partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
    }

    @Override
    public List<Delivery> read(long from, int max, Duration wait) {
        if (consumer.position(partition) != from) {
            consumer.seek(partition, Math.max(from, firstOffset()));
        }
        List<Delivery> read = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            try {
                read.add(DeliveryLoop.decode(r));
            } catch (IllegalArgumentException e) {
                LOG.warning("skipping undecodable delivery at " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
            }
            if (read.size() >= max) {
                consumer.seek(partition, r.offset() + 1);
                break;
            }
        }
        return read;
    }

    @Override
    public long firstOffset() {
        return consumer.beginningOffsets(List.of(partition)).getOrDefault(partition, 0L);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
