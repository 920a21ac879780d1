package io.kmqtt.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.mqttbench.loss.LossChecker;
import io.kmqtt.mqttbench.loss.LossReport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * QoS 1 traffic whose every message is counted: each topic has one publisher numbering its
 * messages 1, 2, 3..., and every subscriber's arrivals go to a {@link LossChecker} (one stream per
 * topic). A message counts as lost only if the broker acknowledged it and it never arrived.
 */
final class SequencedTraffic implements AutoCloseable {

    final LossChecker checker = new LossChecker();
    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    /**
     * Publishes {@code count} messages on the topic as fast as {@code window} unacknowledged ones
     * allow (0 interval), or one every {@code interval}. Returns when all were sent and acknowledged.
     */
    CompletableFuture<Void> publish(int port, String clientId, String topic, int count, int window, Duration interval) {
        return publish(port, clientId, topic, count, window, interval, 0);
    }

    /** As above, each payload padded to at least {@code padTo} bytes. */
    CompletableFuture<Void> publish(int port, String clientId, String topic, int count, int window, Duration interval,
                                    int padTo) {
        Mqtt5AsyncClient client = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
        client.connectWith().cleanStart(true).keepAlive(30).send().join();
        clients.add(client);
        LossChecker.Stream stream = checker.stream(topic);
        Semaphore free = new Semaphore(window);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                long next = System.nanoTime();
                for (int seq = 1; seq <= count && !stopping.get(); seq++) {
                    if (!interval.isZero()) {
                        next += interval.toNanos();
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                    free.acquire();
                    int s = seq;
                    stream.sent(s);
                    client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(payload(s, padTo)).send()
                            .whenComplete((result, error) -> {
                                if (error == null && result.getError().isEmpty()) {
                                    stream.acknowledged(s);
                                }
                                free.release();
                            });
                }
                free.acquire(window); // every PUBACK in
                stream.stopped();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "publisher-" + clientId);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return done;
    }

    private static byte[] payload(int seq, int padTo) {
        String text = Integer.toString(seq);
        return (text.length() >= padTo ? text : text + " " + "x".repeat(padTo - text.length() - 1))
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Counts what this client receives (register before it connects, to miss nothing of a resumed session). */
    void count(Mqtt5AsyncClient client) {
        client.publishes(MqttGlobalPublishFilter.ALL, this::received);
    }

    /** A new subscriber at QoS 1 on the filter, clean or with a session that outlives it for {@code expiry}. */
    Mqtt5AsyncClient subscribe(int port, String clientId, String filter, Duration expiry) {
        Mqtt5AsyncClient client = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
        count(client);
        client.connectWith().cleanStart(true).sessionExpiryInterval(expiry.toSeconds()).keepAlive(30).send().join();
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
        clients.add(client);
        return client;
    }

    /** The same client id again, on another gateway, resuming its session (Clean Start 0). */
    Mqtt5AsyncClient resume(int port, String clientId, Duration expiry) {
        Mqtt5AsyncClient client = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
        count(client);
        client.connectWith().cleanStart(false).sessionExpiryInterval(expiry.toSeconds()).keepAlive(30).send().join();
        clients.add(client);
        return client;
    }

    private void received(Mqtt5Publish p) {
        String text = new String(p.getPayloadAsBytes(), StandardCharsets.US_ASCII);
        int space = text.indexOf(' ');
        checker.stream(p.getTopic().toString()).received(Long.parseLong(space < 0 ? text : text.substring(0, space)));
    }

    /** Waits until every acknowledged message arrived, or the timeout; returns the report either way. */
    LossReport awaitAllAcknowledgedReceived(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        LossReport report = checker.report();
        while (report.total().lostAcknowledged() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            report = checker.report();
        }
        return report;
    }

    @Override
    public void close() {
        stopping.set(true);
        for (Mqtt5AsyncClient c : clients) {
            try {
                c.disconnect().get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the broker may be gone: the test is over anyway
            }
        }
    }
}
