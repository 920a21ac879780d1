package io.kmqtt.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import io.kmqtt.core.routing.SharedStrategy;

import java.time.Duration;
import java.util.Optional;

/**
 * The gateway's configuration. Every property can be set through the environment:
 * {@code mqtt.tcp.port} is {@code MQTT_TCP_PORT}, {@code mqtt.allow-anonymous} is {@code MQTT_ALLOW_ANONYMOUS}.
 */
@ConfigMapping(prefix = "mqtt")
public interface GatewayConfig {

    Tcp tcp();

    interface Tcp {
        /** MQTT over TCP port. */
        @WithDefault("1883")
        int port();

        /** Interface to listen on. Anything but loopback requires authentication. */
        @WithDefault("0.0.0.0")
        String host();
    }

    Ws ws();

    /** MQTT over WebSocket at path {@code /mqtt} (subprotocols mqtt, mqttv3.1, mqttv3.1.1). */
    interface Ws {
        @WithDefault("true")
        boolean enabled();

        /** Port; 0 picks a free one. */
        @WithDefault("8083")
        int port();

        /** Interface to listen on. Default: {@code mqtt.tcp.host}. */
        Optional<String> host();
    }

    Tls tls();

    /** MQTT over TLS. Off until a certificate is given. */
    interface Tls {
        @WithDefault("false")
        boolean enabled();

        /** Port; 0 picks a free one. */
        @WithDefault("8883")
        int port();

        /** Interface to listen on. Default: {@code mqtt.tcp.host}. */
        Optional<String> host();

        /** The server's certificate chain, PEM. */
        Optional<String> certPath();

        /** The server's private key, PEM (PKCS#8 or PKCS#1). */
        Optional<String> keyPath();

        /** CA certificates (PEM) that client certificates must chain to; needed unless client-auth is none. */
        Optional<String> trustPath();

        /** Client certificates: {@code none}, {@code request} (checked if sent) or {@code required}. */
        @WithDefault("none")
        ClientCertificates clientAuth();

        enum ClientCertificates { NONE, REQUEST, REQUIRED }
    }

    /**
     * Most client connections this gateway holds at once (the seed's {@code max_clients}); beyond it
     * CONNECT gets "quota exceeded" (v5 0x97, v3 0x03). 0: no limit but the process's open files.
     */
    @WithDefault("0")
    int maxConnections();

    /**
     * New connections accepted per second on each listener, bursts up to one second's worth; beyond
     * it CONNECT gets "connection rate exceeded" (v5 0x9F, v3 0x03). 0: no limit.
     */
    @WithDefault("0")
    int maxConnectRate();

    /**
     * Stable id of this gateway; names its delivery topic, so it must survive restarts (a pod name
     * in a StatefulSet, a host name). Default: {@code gw-<hostname>-<tcp port>}.
     */
    @WithName("gateway-id")
    Optional<String> gatewayId();

    /**
     * Accept clients without credentials. Default: true when no credential store is configured (a
     * broker on loopback, like Mosquitto 2), false otherwise. Only allowed while listening on loopback.
     */
    Optional<Boolean> allowAnonymous();

    Auth auth();

    interface Auth {
        /** Base URL of the auth-service, e.g. http://auth-service:8090. Unset: no remote authentication. */
        Optional<String> serviceUrl();

        /** Upper bound for one CONNECT's authentication; beyond it the client gets "server unavailable". */
        @WithDefault("3s")
        Duration timeout();
    }

    /** Largest MQTT packet accepted, in bytes (Vert.x's own default is 8 KB). */
    @WithDefault("262144")
    int maxMessageSize();

    /** Longest client identifier accepted (the spec's minimum for servers is 23). */
    @WithDefault("65535")
    int maxClientIdLength();

    /** Longest topic name or filter, in UTF-8 bytes. */
    @WithDefault("65535")
    int maxTopicLength();

    /** Most levels in a topic name or filter. */
    @WithDefault("128")
    int maxTopicLevels();

    /**
     * How a shared subscription ({@code $share/<group>/<filter>}, {@code $queue/<filter>}) picks the
     * member on this gateway that gets a message the router sent here: {@code round-robin},
     * {@code random}, {@code hash-clientid} (of the publisher) or {@code hash-topic}. The routers
     * pick the gateway with {@code router.shared-subscription-strategy}.
     */
    @WithDefault("round-robin")
    SharedStrategy sharedSubscriptionStrategy();

    /**
     * MQTT 5 topic aliases a client may use in what it publishes (CONNACK Topic Alias Maximum); an
     * alias above it is a protocol error (DISCONNECT 0x94). 0 turns them off.
     */
    @WithDefault("64")
    int topicAliasMaximum();

    /** Unacknowledged QoS 1 and 2 messages per client before further messages wait in its queue. */
    @WithDefault("32")
    int inflightWindow();

    /**
     * MQTT 5 Receive Maximum of the gateway: QoS 1 and 2 PUBLISHes a client may have unfinished at
     * once (CONNACK says so when below 65,535); one more is a protocol error (DISCONNECT 0x93).
     */
    @WithDefault("1024")
    int receiveMaximum();

    /** Messages waiting per client; when full the oldest is dropped and counted. */
    @WithDefault("1000")
    int maxQueuedMessages();

    /**
     * The longest keep alive a client may have, in seconds. An MQTT 5 client asking for a longer
     * one (or none) is told this instead (CONNACK Server Keep Alive, MQTT-3.2.2-21); an MQTT 3.1.1
     * client, which cannot be told, is held to it all the same. Unset: clients keep their own.
     * Every connection is closed after 1.5 times its keep alive without a packet.
     */
    java.util.OptionalInt maxKeepAlive();

    /**
     * The longest a persistent session outlives its connection. MQTT 3.1.1 sessions with clean
     * session 0 (which never expire by the specification) get this; an MQTT 5 Session Expiry
     * Interval above it is lowered to it, and CONNACK says so. EMQX's default, 2 hours.
     */
    @WithDefault("2h")
    Duration maxSessionExpiry();

    /**
     * How long a gateway resuming a session waits for the gateway that held it to save what it
     * owed the client; a gateway that was killed never answers.
     */
    @WithDefault("2s")
    Duration sessionHandoverTimeout();

    /** How long a new connection may take to send CONNECT. */
    @WithDefault("10s")
    Duration connectTimeout();

    /**
     * Base URL at which the admin API reaches this gateway's HTTP port (client details), written to
     * the nodes table. Default: {@code http://<hostname>:<quarkus.http.port>}.
     */
    Optional<String> advertisedHttpUrl();

    /** How often the gateway writes its status and counters to the nodes table. */
    @WithDefault("5s")
    Duration statsInterval();

    /**
     * How often the gateway publishes its figures to {@code $SYS/brokers/<gateway id>/...} (and, if
     * it has the lowest id of the live gateways, the cluster's to {@code $SYS/cluster/...}), as
     * retained messages. 0 turns $SYS off.
     */
    @WithDefault("10s")
    Duration sysInterval();

    /** How often the gateway tells the routers it is alive. */
    @WithDefault("2s")
    Duration heartbeatInterval();

    /**
     * Expect a PROXY protocol (v1 or v2) header on every connection, as sent by HAProxy
     * ({@code send-proxy-v2}) or an AWS NLB with proxy protocol on, so that the gateway sees the
     * client's address instead of the load balancer's. Connections without the header are refused.
     */
    @WithDefault("false")
    boolean proxyProtocol();

    /**
     * On shutdown, after the listener closes, clients are disconnected spread over this time
     * rather than all at once, so that a rolling restart does not cause a reconnect storm.
     * Keep it below the orchestrator's grace period (Kubernetes: terminationGracePeriodSeconds).
     */
    @WithDefault("0s")
    Duration drainDuration();
}
