package io.kmqtt.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import io.kmqtt.auth.store.RedisCredentialStore;
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
     * CONNECT gets "quota exceeded" (v5 0x97, v3 0x03). 0: the process's open-files limit less a
     * reserve for the gateway's own files and sockets, a twentieth of it and at least 256
     * ({@link io.kmqtt.gateway.ConnectionLimit}).
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

        /**
         * Upper bound for one CONNECT's authentication, waiting included; beyond it the client gets
         * "server unavailable". A CONNECT queued behind a busy auth-service waits rather than being
         * refused: a refusal makes the client come back later with the same work.
         */
        @WithDefault("10s")
        Duration timeout();

        /**
         * HTTP version of the calls to the auth-service: {@code 1.1} (a keep-alive pool of
         * {@code mqtt.auth.http-pool-size} connections, one call at a time each) or {@code 2}
         * (cleartext HTTP/2 with prior knowledge: every CONNECT in flight is a stream). A cold
         * cluster connected more of a 1,000 CONNECT/s ramp over HTTP/1.1 (see docs/benchmarks.md).
         */
        @WithDefault("1.1")
        String httpVersion();

        /** Connections to the auth-service: HTTP/1.1 pool size; with HTTP/2, connections the streams are spread over. */
        @WithDefault("32")
        int httpPoolSize();

        Redis redis();

        /**
         * The gateway reads users and ACLs from Redis itself, in the auth-service's layout and with its
         * semantics, instead of asking the auth-service over HTTP: about half the CPU of a CONNECT
         * (see docs/benchmarks.md). Takes precedence over {@code mqtt.auth.service-url}.
         */
        interface Redis {
            /** Redis holding {@code mqtt_user:<u>} and {@code mqtt_acl:<u>}, e.g. redis://redis:6379. Unset: not used. */
            Optional<String> url();

            /** How stored passwords are hashed, as the auth-service's {@code auth.password-hash}. */
            @WithDefault("sha256")
            String passwordHash();

            /** What a topic no ACL rule matches gets: {@code deny} or {@code allow} (the auth-service's {@code auth.acl-nomatch}). */
            @WithDefault("deny")
            String aclNomatch();

            /** Fetches the password (and salt, if salted) of user %u. */
            @WithDefault(RedisCredentialStore.DEFAULT_AUTH_CMD)
            String authCmd();

            /** Fetches the superuser flag ("1" means superuser). */
            @WithDefault(RedisCredentialStore.DEFAULT_SUPER_CMD)
            String superCmd();

            /** Fetches the ACL hash: field = topic filter, value = 1 subscribe, 2 publish, 3 both. */
            @WithDefault(RedisCredentialStore.DEFAULT_ACL_CMD)
            String aclCmd();

            /**
             * Upper bound for one CONNECT's Redis round trip, the wait for a pooled connection
             * included; beyond it the answer is "server unavailable".
             */
            @WithDefault("5s")
            Duration timeout();

            /** Pooled Redis connections; each CONNECT borrows one for its single batch of three commands. */
            @WithDefault("16")
            int poolSize();
        }
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

    /**
     * Unacknowledged QoS 1 and 2 messages sent to an MQTT 3.1.1 client before further ones wait in
     * its queue; an MQTT 5 client's Receive Maximum lowers it.
     */
    @WithDefault("32")
    int inflightWindow();

    /**
     * How far a client's in-flight window grows beyond {@link #inflightWindow()} while the gateway's
     * delivery buffer ({@code mqtt.delivery-buffer-bytes}) has room: the messages beyond the first
     * {@code mqtt.inflight-window} keep their bytes in that buffer until acknowledged, so all windows
     * together stay within it. A subscriber whose acknowledgements take a long round trip (one on
     * {@code #} on a busy gateway) gets this many messages per round trip instead of 32. An MQTT 5
     * client's Receive Maximum lowers it. Set it to {@code mqtt.inflight-window} for a fixed window.
     */
    @WithDefault("256")
    int inflightWindowMax();

    /**
     * QoS 1 and 2 PUBLISHes a client may have unfinished at once. MQTT 5: the gateway's Receive
     * Maximum (CONNACK says so when below 65,535); one more is a protocol error (DISCONNECT 0x93).
     * MQTT 3.1.1 has no such agreement: the gateway stops reading the client's socket at this many
     * and reads on as acknowledgements go out.
     */
    @WithDefault("1024")
    int receiveMaximum();

    /**
     * Messages held in memory per client, behind its in-flight window. Beyond it nothing is dropped:
     * on Kafka the client falls behind and takes the messages back from the delivery channel as it
     * drains (up to {@code mqtt.max-behind-messages}); on the standalone broker its publishers'
     * acknowledgements wait until it has room (QoS 0 messages are dropped and counted instead).
     */
    @WithDefault("1000")
    int maxQueuedMessages();

    /**
     * How many messages a client may be behind its gateway's delivery channel (kept as 8-byte
     * positions, the messages themselves wait in Kafka); beyond it the oldest are dropped and
     * counted ({@code backlog_full}). The channel's retention ({@code bus.kafka.delivery-retention})
     * bounds it in time.
     */
    @WithDefault("100000")
    int maxBehindMessages();

    /**
     * The memory all clients' queues may hold together, in bytes. Past it, a client with its
     * in-flight window's worth queued takes no more from memory (it falls behind, or on the
     * standalone broker its publishers wait), so a burst to every client at once stays bounded.
     */
    @WithDefault("67108864")
    long deliveryBufferBytes();

    /**
     * Standalone broker: a client that neither acknowledges nor reads anything for this long while
     * messages wait for it (a full window without PUBACK, or a QoS 0 subscriber that stopped reading)
     * stops holding its publishers back, and messages beyond its queue are dropped for it (counted).
     */
    @WithDefault("10s")
    Duration stuckClientTimeout();

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

    /**
     * When a session moves to another gateway, how long its old gateway goes on collecting its
     * messages after it has seen the new owner in the sessions table: the routers' lag behind that
     * table, during which they still route the session's messages to the old gateway. Raise it for
     * routers that lag more; with the wait for the table (at most 1 s) it must stay below
     * {@link #sessionHandoverTimeout()}.
     */
    @WithDefault("300ms")
    Duration sessionMoveRouterLag();

    WarmUp warmUp();

    /**
     * Before the listeners open, the gateway runs this many CONNECTs of a user that does not exist
     * through a loopback listener and its authenticator (the auth-service or Redis), so that the
     * first clients meet compiled code and open connections; readiness follows the listeners.
     */
    interface WarmUp {
        /** CONNECTs to run; 0 turns the warm-up off. */
        @WithDefault("3000")
        int connects();

        /**
         * Messages to send through the cluster's message path and back (half QoS 1, half QoS 0)
         * after the CONNECTs; 0 turns it off. Off by default because it needs the routers up and
         * adds seconds to every start; {@code bin/cluster}, docker-compose and k8s set 20000.
         */
        @WithDefault("0")
        int messages();

        /** The longest each of the two warm-ups may take; the listeners open then, warm or not. */
        @WithDefault("60s")
        Duration timeout();
    }

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

    /**
     * How long a change of a client's entry in the clients table (the admin API's view) may wait
     * before it is written. Changes within one delay go out as one record: a client that connects
     * and subscribes at once writes one entry instead of two. 0 writes every change at once.
     */
    @WithDefault("250ms")
    Duration presenceWriteDelay();

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
