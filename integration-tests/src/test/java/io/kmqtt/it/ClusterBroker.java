package io.kmqtt.it;

import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.RedisServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged services as a small cluster, for tests outside this package (the conformance
 * suite): one router and two gateways on the shared Kafka, a Redis for the persistent sessions'
 * offline queues. Two gateways, because a client behind a load balancer reconnects to whichever it
 * is sent to. Logs go to {@code integration-tests/target/cluster-logs/<topic prefix>/}.
 */
public final class ClusterBroker implements AutoCloseable {

    /** The prefix of the offline queues' Redis keys: a client's queue is {@code <prefix>inbox:<client id>}. */
    public static final String REDIS_KEY_PREFIX = "it:";

    private final Cluster cluster;
    private final RedisServer redis;
    private final List<Cluster.Gateway> gateways = new ArrayList<>();

    private ClusterBroker(Cluster cluster, RedisServer redis) {
        this.cluster = cluster;
        this.redis = redis;
    }

    /** Starts Redis, a router and two gateways with this extra environment; on failure nothing is left running. */
    public static ClusterBroker start(Map<String, String> extraEnv) throws Exception {
        RedisServer redis = RedisServer.start();
        Cluster cluster = new Cluster(SharedKafka.bootstrapServers())
                .withEnv("SESSION_REDIS_URL", redis.url())
                .withEnv("SESSION_REDIS_KEY_PREFIX", REDIS_KEY_PREFIX);
        extraEnv.forEach(cluster::withEnv);
        ClusterBroker broker = new ClusterBroker(cluster, redis);
        try {
            cluster.startRouter("router-1");
            broker.gateways.add(cluster.startGateway("gw-1"));
            broker.gateways.add(cluster.startGateway("gw-2"));
            return broker;
        } catch (Exception | Error e) {
            broker.close();
            throw e;
        }
    }

    /** The MQTT port of gateway i (0 or 1). */
    public int mqttPort(int i) {
        return gateways.get(i).port();
    }

    /** The HTTP (metrics) port of gateway i. */
    public int httpPort(int i) {
        return gateways.get(i).httpPort();
    }

    public List<ChildProcess> gatewayProcesses() {
        return gateways.stream().map(Cluster.Gateway::process).toList();
    }

    public RedisServer redis() {
        return redis;
    }

    @Override
    public void close() {
        cluster.close();
        redis.close();
    }
}
