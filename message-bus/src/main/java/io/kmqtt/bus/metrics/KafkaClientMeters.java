package io.kmqtt.bus.metrics;

import io.kmqtt.bus.kafka.KafkaClientListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Binds every Kafka client of the bus to the application's {@link MeterRegistry} with Micrometer's
 * {@link KafkaClientMetrics}: the clients' own metrics, among them the consumers' lag
 * ({@code kafka_consumer_fetch_manager_records_lag{topic,partition}} and {@code ..._records_lag_max}),
 * tagged with the client's {@code role}.
 *
 * <p>Kafka creates some metrics only once a client is assigned partitions or has sent to a topic,
 * so the binders look for new ones every {@link #REFRESH}; one shared thread does it for all.
 */
public final class KafkaClientMeters implements KafkaClientListener {

    static final Duration REFRESH = Duration.ofSeconds(10);

    private final MeterRegistry registry;
    private final ScheduledExecutorService refresher;
    private final Map<Object, KafkaClientMetrics> bound = new IdentityHashMap<>();

    public KafkaClientMeters(MeterRegistry registry) {
        this.registry = registry;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-client-meters");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void producerCreated(String role, Producer<?, ?> producer) {
        bind(producer, new KafkaClientMetrics(producer, Tags.of("role", role), refresher, REFRESH));
    }

    @Override
    public void consumerCreated(String role, Consumer<?, ?> consumer) {
        bind(consumer, new KafkaClientMetrics(consumer, Tags.of("role", role), refresher, REFRESH));
    }

    private synchronized void bind(Object client, KafkaClientMetrics metrics) {
        metrics.bindTo(registry);
        bound.put(client, metrics);
    }

    @Override
    public synchronized void clientClosed(Object client) {
        KafkaClientMetrics metrics = bound.remove(client);
        if (metrics != null) {
            metrics.close(); // removes its meters: a closed client's values would be stale
        }
    }

    @Override
    public synchronized void busClosed() {
        bound.values().forEach(KafkaClientMetrics::close);
        bound.clear();
        refresher.shutdownNow();
    }
}
