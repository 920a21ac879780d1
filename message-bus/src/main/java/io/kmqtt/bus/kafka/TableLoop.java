package io.kmqtt.bus.kafka;

import io.kmqtt.core.state.TableListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
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

    TableLoop(Consumer<byte[], byte[]> consumer, String topic, TableListener listener) {
        super(consumer, "table-" + topic);
        this.listener = listener;
        this.partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.catchUpTo = consumer.endOffsets(partitions);
    }

    @Override
    protected void pollOnce() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL_TIMEOUT)) {
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
    }
}
