package io.kmqtt.bus;

import io.kmqtt.bus.session.RedisSessionInbox;
import io.kmqtt.core.session.InMemorySessionInbox;
import io.kmqtt.core.session.SessionInbox;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Provides the one SessionInbox of the process: Redis in a cluster, memory in the standalone broker. */
@ApplicationScoped
public class SessionInboxProducer {

    private static final Logger LOG = Logger.getLogger(SessionInboxProducer.class);

    @Produces
    @Singleton
    SessionInbox sessionInbox(SessionConfig config, BusConfig bus, Vertx vertx) {
        SessionConfig.Store store = config.store()
                .orElse(bus.type() == BusConfig.Type.MEMORY ? SessionConfig.Store.MEMORY : SessionConfig.Store.REDIS);
        if (store == SessionConfig.Store.MEMORY) {
            if (bus.type() == BusConfig.Type.KAFKA) {
                LOG.warn("session.store=memory on the Kafka bus: offline messages of persistent sessions stay in the"
                        + " process that queued them, and are lost to a client that returns through another gateway");
            }
            return new InMemorySessionInbox();
        }
        LOG.infof("offline queues of persistent sessions in Redis at %s (keys %sinbox:<client id>)",
                config.redisUrl().replaceAll("//[^@/]*@", "//***@"), config.redisKeyPrefix());
        return RedisSessionInbox.create(vertx, config.redisUrl(), config.redisKeyPrefix());
    }

    void close(@Disposes SessionInbox inbox) {
        inbox.close();
    }
}
