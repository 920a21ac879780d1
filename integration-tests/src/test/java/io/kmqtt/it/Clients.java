package io.kmqtt.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Real MQTT clients (HiveMQ MQTT client) for the tests. */
final class Clients {

    private Clients() {
    }

    static Mqtt5BlockingClient connect(int port, String clientId) {
        Mqtt5BlockingClient client = unconnected(port, clientId);
        client.connectWith().cleanStart(true).keepAlive(30).send();
        return client;
    }

    /** A client for a gateway on loopback, for a test that writes its own CONNECT. */
    static Mqtt5BlockingClient unconnected(int port, String clientId) {
        return Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    /** A subscriber that collects every message it receives. */
    static final class Collector {
        final Mqtt5BlockingClient client;
        final BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();

        Collector(int port, String clientId) {
            this(connect(port, clientId));
        }

        /** Collects for an already connected client. */
        Collector(Mqtt5BlockingClient connected) {
            client = connected;
            client.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
        }

        Collector subscribe(String filter, MqttQos qos) {
            client.subscribeWith().topicFilter(filter).qos(qos).send();
            return this;
        }

        /** Waits for n messages and returns their payloads as strings, in arrival order. */
        List<Mqtt5Publish> await(int n, Duration timeout) throws InterruptedException {
            return take(received, n, timeout);
        }
    }

    /** Up to n items from the queue, waiting at most the timeout for all of them together. */
    static <T> List<T> take(BlockingQueue<T> queue, int n, Duration timeout) throws InterruptedException {
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < n) {
            T item = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (item == null) {
                break;
            }
            out.add(item);
        }
        return out;
    }

    static String text(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    static void publish(Mqtt5BlockingClient client, String topic, String payload, MqttQos qos) {
        client.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8)).qos(qos).send();
    }
}
