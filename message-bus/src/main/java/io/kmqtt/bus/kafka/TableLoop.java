package io.kmqtt.bus.kafka;

import io.kmqtt.core.state.TableListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Follows a compacted table topic: every partition from its beginning, without a consumer group,
 * so that each process sees the whole table. Reports when it has read up to the end offsets it saw
 * at start.
 */
final class TableLoop extends PollLoop {

    private final TableListener listener;
    private final List<TopicPartition> partitions;
    private Map<TopicPartition, Long> catchUpTo;

    TableLoop(Consumer<byte[], byte[]> consumer, String topic, Duration gather, TableListener listener) {
        super(consumer, "table-" + topic, gather);
        this.listener = listener;
        this.partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.catchUpTo = consumer.endOffsets(partitions);
    }

    @Override
    protected void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.key() == null) {
                continue;
            }
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                listener.onRemove(key);
            } else {
                listener.onPut(key, r.value());
            }
        }
        if (catchUpTo != null && partitions.stream().allMatch(p -> consumer.position(p) >= catchUpTo.get(p))) {
            catchUpTo = null;
            listener.onCaughtUp();
        }
        if (catchUpTo == null && !records.isEmpty()) {
            gather(); // not while catching up: a start-up read of a large table would take a wait per poll
        }
    }
}
