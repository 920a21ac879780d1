package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.List;

/**
 * The steady QoS 1 workload a chaos run measures with: {@code publishers} clients publish
 * {@code rate} messages a second in total, spread evenly over {@code topics} topics
 * ({@code <topicPrefix>/00} ...; each topic has one publisher, which numbers its messages);
 * {@code subscribers} clients with persistent sessions receive them: the first subscribes to
 * {@code <topicPrefix>/#}, the others to the topics dealt out among them one by one. Every client
 * connects to the endpoints in turn (one load balancer, or the gateways themselves), and
 * reconnects after {@code backoffMin} doubling up to {@code backoffMax}; a connection that reads
 * nothing for {@code stallTimeout} (it pings every second) is given up as dead.
 *
 * @param username    the user every client logs in as (null: anonymous); it must be allowed every topic
 * @param inflight    unacknowledged PUBLISHes per publisher; the rest wait in its outbox
 * @param payloadBytes at least {@link ChaosPayload#MIN_SIZE}
 */
public record WorkloadSettings(List<Endpoint> endpoints, String username, String password, String clientIdPrefix,
                               String topicPrefix, int publishers, int subscribers, int topics, double rate,
                               int payloadBytes, int inflight, Duration stallTimeout, Duration connectTimeout,
                               Duration backoffMin, Duration backoffMax, int threads) {

    public WorkloadSettings {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint to connect to");
        }
        if (publishers < 1 || subscribers < 1 || topics < 1) {
            throw new IllegalArgumentException("publishers, subscribers and topics are at least 1");
        }
        if (topics < publishers) {
            throw new IllegalArgumentException("each publisher needs a topic of its own: --topics " + topics
                    + " < --publishers " + publishers);
        }
        if (subscribers > 1 && topics < subscribers - 1) {
            throw new IllegalArgumentException("each per-topic subscriber needs a topic: --topics " + topics
                    + " < --subscribers " + subscribers + " - 1");
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate is above 0");
        }
        if (payloadBytes < ChaosPayload.MIN_SIZE) {
            throw new IllegalArgumentException("payloads are at least " + ChaosPayload.MIN_SIZE + " bytes");
        }
        if (inflight < 1 || threads < 1) {
            throw new IllegalArgumentException("inflight and threads are at least 1");
        }
    }

    /** The defaults of bin/chaos against these endpoints, logging in as {@code username}. */
    public static WorkloadSettings defaults(List<Endpoint> endpoints, String username, String password) {
        return new WorkloadSettings(endpoints, username, password, "chaos", "chaos", 4, 3, 20, 1000, 64, 500,
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(1), 2);
    }

    public WorkloadSettings withRate(double rate) {
        return new WorkloadSettings(endpoints, username, password, clientIdPrefix, topicPrefix, publishers, subscribers,
                topics, rate, payloadBytes, inflight, stallTimeout, connectTimeout, backoffMin, backoffMax, threads);
    }

    public WorkloadSettings withClients(int publishers, int subscribers, int topics) {
        return new WorkloadSettings(endpoints, username, password, clientIdPrefix, topicPrefix, publishers, subscribers,
                topics, rate, payloadBytes, inflight, stallTimeout, connectTimeout, backoffMin, backoffMax, threads);
    }

    public String topic(int index) {
        return topicPrefix + "/" + String.format("%02d", index);
    }

    public String publisherId(int index) {
        return clientIdPrefix + "-pub-" + (index + 1);
    }

    public String subscriberId(int index) {
        return clientIdPrefix + "-sub-" + (index + 1);
    }

    /** Which publisher publishes on topic t. */
    public int publisherOf(int topic) {
        return topic % publishers;
    }

    /** Whether subscriber s (0-based) should receive topic t: the first gets every topic. */
    public boolean receives(int subscriber, int topic) {
        return subscriber == 0 || (subscribers > 1 && topic % (subscribers - 1) == subscriber - 1);
    }

    /** The filters subscriber s subscribes to. */
    public List<String> filtersOf(int subscriber) {
        if (subscriber == 0) {
            return List.of(topicPrefix + "/#");
        }
        List<String> filters = new java.util.ArrayList<>();
        for (int t = 0; t < topics; t++) {
            if (receives(subscriber, t)) {
                filters.add(topic(t));
            }
        }
        return filters;
    }
}
