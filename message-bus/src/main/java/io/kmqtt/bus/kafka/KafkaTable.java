package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.TableListener;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** A {@link ReplicatedTable} on a compacted topic; a removal is a tombstone. */
final class KafkaTable implements ReplicatedTable {

    private final ClusterTable table;
    private final String topic;
    private final Function<ProducerRecord<byte[], byte[]>, CompletionStage<Void>> sender;
    private final Function<TableListener, MessageBus.Registration> follower;

    KafkaTable(ClusterTable table, String topic, Function<ProducerRecord<byte[], byte[]>, CompletionStage<Void>> sender,
               Function<TableListener, MessageBus.Registration> follower) {
        this.table = table;
        this.topic = topic;
        this.sender = sender;
        this.follower = follower;
    }

    @Override
    public ClusterTable table() {
        return table;
    }

    @Override
    public CompletionStage<Void> put(String key, byte[] value) {
        return sender.apply(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }

    @Override
    public CompletionStage<Void> remove(String key) {
        return sender.apply(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), null));
    }

    @Override
    public MessageBus.Registration follow(TableListener listener) {
        return follower.apply(listener);
    }
}
