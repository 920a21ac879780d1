package io.kmqtt.gateway.session;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The sessions connected to this gateway, by client id. */
@ApplicationScoped
public class SessionRegistry {

    private final Map<String, ClientSession> byClientId = new ConcurrentHashMap<>();

    /** Registers the session and returns the one it replaces (a takeover), if any. */
    public ClientSession register(ClientSession session) {
        return byClientId.put(session.clientId(), session);
    }

    /** Removes the session unless a newer one has already taken its client id. */
    public void unregister(ClientSession session) {
        byClientId.remove(session.clientId(), session);
    }

    public ClientSession get(String clientId) {
        return byClientId.get(clientId);
    }

    public Collection<ClientSession> all() {
        return byClientId.values();
    }

    public int size() {
        return byClientId.size();
    }
}
