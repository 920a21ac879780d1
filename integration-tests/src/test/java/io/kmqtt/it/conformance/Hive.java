package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
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

/** Real clients (HiveMQ MQTT client, MQTT 5 and 3.1.1) for what a library can express. */
final class Hive {

    private Hive() {
    }

    static Mqtt5BlockingClient v5(int port, String clientId) {
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        client.connectWith().cleanStart(true).keepAlive(30).send();
        return client;
    }

    static Mqtt3BlockingClient v3(int port, String clientId) {
        Mqtt3BlockingClient client = Mqtt3Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        client.connectWith().cleanSession(true).keepAlive(30).send();
        return client;
    }

    static void publish(Mqtt5BlockingClient client, String topic, String payload, int qos) {
        client.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8)).qos(MqttQos.fromCode(qos)).send();
    }

    static void publish(Mqtt3BlockingClient client, String topic, String payload, int qos) {
        client.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8)).qos(MqttQos.fromCode(qos)).send();
    }

    static String text(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    static String text(Mqtt3Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    /** Every message an MQTT 5 client receives, in arrival order. */
    static final class Inbox5 {
        final Mqtt5BlockingClient client;
        private final BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();

        Inbox5(Mqtt5BlockingClient connected) {
            client = connected;
            client.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
        }

        static Inbox5 connect(int port, String clientId) {
            return new Inbox5(v5(port, clientId));
        }

        Inbox5 subscribe(String filter, int qos) {
            client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send();
            return this;
        }

        /** Up to n messages, waiting at most timeout for them. */
        List<Mqtt5Publish> await(int n, Duration timeout) throws InterruptedException {
            return drain(received, n, timeout);
        }

        List<String> texts(int n, Duration timeout) throws InterruptedException {
            return await(n, timeout).stream().map(Hive::text).toList();
        }

        void disconnect() {
            client.disconnect();
        }
    }

    /** Every message an MQTT 3.1.1 client (HiveMQ) receives, in arrival order. */
    static final class Inbox3 {
        final Mqtt3BlockingClient client;
        private final BlockingQueue<Mqtt3Publish> received = new LinkedBlockingQueue<>();

        Inbox3(Mqtt3BlockingClient connected) {
            client = connected;
            client.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
        }

        static Inbox3 connect(int port, String clientId) {
            return new Inbox3(v3(port, clientId));
        }

        Inbox3 subscribe(String filter, int qos) {
            client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send();
            return this;
        }

        List<Mqtt3Publish> await(int n, Duration timeout) throws InterruptedException {
            return drain(received, n, timeout);
        }

        List<String> texts(int n, Duration timeout) throws InterruptedException {
            return await(n, timeout).stream().map(Hive::text).toList();
        }

        void disconnect() {
            client.disconnect();
        }
    }

    private static <T> List<T> drain(BlockingQueue<T> queue, int n, Duration timeout) throws InterruptedException {
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < n) {
            T p = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (p == null) {
                break;
            }
            out.add(p);
        }
        return out;
    }
}
