package io.kmqtt.bus.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.TimeoutException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Whether Kafka answers the bus, for readiness probes: a {@code describeCluster} through the bus's
 * own admin client with a short timeout. Probes never wait for Kafka: they get the last answer, and
 * an answer older than {@code maxAge} starts a new request in the background (only the very first
 * probe waits for one). So a probe is instant, and all probes of a process cost Kafka at most one
 * request per {@code maxAge}; a change shows after at most {@code maxAge + timeout}.
 */
public final class KafkaConnectivity {

    /** One answer. {@code detail} is the node count, or why Kafka did not answer. */
    public record Status(boolean reachable, String detail, long checkedAtMillis) {
    }

    private final Admin admin;
    private final String bootstrapServers;
    private final Duration timeout;
    private final Duration maxAge;
    private final LongSupplier clock;
    private volatile Status last;
    private CompletableFuture<Status> inFlight;

    KafkaConnectivity(Admin admin, String bootstrapServers, Duration timeout, Duration maxAge, LongSupplier clock) {
        this.admin = admin;
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** Checks through the bus's own admin client, so the probe sees what the bus sees. */
    public static KafkaConnectivity of(KafkaMessageBus bus, Duration timeout, Duration maxAge) {
        return new KafkaConnectivity(bus.admin(), bus.bootstrapServers(), timeout, maxAge, System::currentTimeMillis);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The last answer; refreshed in the background when older than {@code maxAge}. */
    public Status check() {
        Status status = last;
        if (status != null && clock.getAsLong() - status.checkedAtMillis() < maxAge.toMillis()) {
            return status;
        }
        CompletableFuture<Status> request = refresh();
        if (status != null) {
            return status;
        }
        try {
            return request.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Status(false, "interrupted", clock.getAsLong());
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Status(false, "no answer within " + timeout.toMillis() + " ms", clock.getAsLong());
        }
    }

    private synchronized CompletableFuture<Status> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        CompletableFuture<Status> request = new CompletableFuture<>();
        inFlight = request;
        admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes()
                .whenComplete((nodes, failure) -> {
                    long now = clock.getAsLong();
                    Throwable error = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    Status status;
                    if (error != null) {
                        status = new Status(false, error instanceof TimeoutException
                                ? "no answer within " + timeout.toMillis() + " ms" : error.toString(), now);
                    } else if (nodes.isEmpty()) {
                        status = new Status(false, "no broker in the cluster", now);
                    } else {
                        status = new Status(true, nodes.size() + " node(s)", now);
                    }
                    last = status;
                    synchronized (this) {
                        inFlight = null;
                    }
                    request.complete(status);
                });
        return request;
    }
}
