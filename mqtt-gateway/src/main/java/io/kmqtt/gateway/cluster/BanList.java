package io.kmqtt.gateway.cluster;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.BanRecord;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.TableMirror;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bans in force, followed from the banned table, checked at every CONNECT by client id,
 * username and peer address (three map lookups).
 */
@ApplicationScoped
public class BanList {

    private final MessageBus bus;
    private final TableMirror<BanRecord> mirror = new TableMirror<>(new ConcurrentHashMap<>(), BanRecord::decode, "ban");
    private final Map<String, BanRecord> bans = mirror.entries();
    private MessageBus.Registration following;

    @Inject
    public BanList(MessageBus bus) {
        this.bus = bus;
    }

    /** Starts following the banned table. Call at start-up. */
    public void start() {
        following = bus.table(ClusterTable.BANNED).follow(mirror);
    }

    public void stop() {
        if (following != null) {
            following.close();
        }
    }

    /** The ban in force that matches this client, if any. {@code username} and {@code host} may be null. */
    public Optional<BanRecord> find(String clientId, String username, String host) {
        if (bans.isEmpty()) {
            return Optional.empty();
        }
        long now = System.currentTimeMillis();
        for (BanRecord.Kind kind : BanRecord.Kind.values()) {
            String value = switch (kind) {
                case CLIENTID -> clientId;
                case USERNAME -> username;
                case PEERHOST -> host;
            };
            if (value != null) {
                BanRecord ban = bans.get(BanRecord.key(kind, value));
                if (ban != null && ban.inForce(now)) {
                    return Optional.of(ban);
                }
            }
        }
        return Optional.empty();
    }
}
