package io.kmqtt.core.state;

/**
 * The replicated tables of cluster state. Each is a compacted Kafka topic
 * ({@code <prefix>.<topicSuffix>}) in a cluster and a map in the standalone broker.
 */
public enum ClusterTable {

    /** One entry per client connection and gateway: presence, for the admin API. Keyed by {@link ClientRecord#key()}. */
    CLIENTS("clients", true),
    /** Banned client ids, usernames and addresses. Keyed by {@link BanRecord#key()}. */
    BANNED("banned", false),
    /** Every gateway's and router's latest status and counters. Keyed by {@link NodeRecord#key()}. */
    NODES("nodes", false),
    /**
     * Retained messages, keyed by MQTT topic; written by the router owning the topic's shard,
     * followed by every gateway.
     */
    RETAINED("retained", true),
    /**
     * Persistent sessions: owner, expiry and subscriptions, keyed by client id. Written by the
     * owning gateway, followed by every gateway (to resume a session) and router (to queue for it).
     */
    SESSIONS("sessions", true),
    /**
     * Will messages of connected clients (and of disconnected ones whose will is delayed), keyed
     * like {@link #CLIENTS}; written by the holding gateway, followed by every router, which
     * publishes the wills of a gateway that died.
     */
    WILLS("wills", true),
    /** Credentials of the admin API (users and API keys); written and read by the admin API only. */
    ADMINS("admins", false);

    private final String topicSuffix;
    private final boolean partitioned;

    ClusterTable(String topicSuffix, boolean partitioned) {
        this.topicSuffix = topicSuffix;
        this.partitioned = partitioned;
    }

    public String topicSuffix() {
        return topicSuffix;
    }

    /** Large tables are split over the bus's shard count; small ones live in one partition. */
    public boolean partitioned() {
        return partitioned;
    }
}
