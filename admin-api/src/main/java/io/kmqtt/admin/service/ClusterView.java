package io.kmqtt.admin.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmqtt.admin.config.AdminConfig;
import io.kmqtt.admin.security.Account;
import io.kmqtt.admin.security.AccountStore;
import io.kmqtt.admin.security.PasswordHasher;
import io.kmqtt.admin.state.ClientDirectory;
import io.kmqtt.admin.state.NodeDirectory;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.state.BanRecord;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.TableMirror;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The admin API's view of the cluster: follows the clients, nodes, banned, retained and admins
 * tables into memory, removes entries of dead gateways and expired bans, and creates the first
 * administrator.
 *
 * <p>Memory: about 300 bytes per client entry plus its subscriptions; a million clients with one
 * subscription each take a few hundred MB here. Retained messages are held whole, as every gateway
 * holds them. Every admin-api instance holds the whole view.
 */
@ApplicationScoped
public class ClusterView {

    private static final Logger LOG = Logger.getLogger(ClusterView.class);

    @Inject
    MessageBus bus;
    @Inject
    AdminConfig config;
    @Inject
    ObjectMapper json;

    private NodeDirectory nodes;
    private ClientDirectory clients;
    private TableMirror<BanRecord> bans;
    private final ConcurrentSkipListMap<String, Envelope> retainedByTopic = new ConcurrentSkipListMap<>();
    private TableMirror<Envelope> retained;
    private AccountStore accounts;
    private ReplicatedTable clientTable;
    private ReplicatedTable banTable;
    private ReplicatedTable retainedTable;
    private final List<MessageBus.Registration> following = new ArrayList<>();
    private ScheduledExecutorService sweeper;

    void start(@Observes StartupEvent event) throws InterruptedException {
        nodes = new NodeDirectory(config.nodeExpiry().toMillis());
        clients = new ClientDirectory(nodes);
        bans = new TableMirror<>(new ConcurrentSkipListMap<>(), BanRecord::decode, "ban");
        clientTable = bus.table(ClusterTable.CLIENTS);
        banTable = bus.table(ClusterTable.BANNED);
        retained = new TableMirror<>(retainedByTopic, EnvelopeCodec::decode, "retained message");
        retainedTable = bus.table(ClusterTable.RETAINED);
        ReplicatedTable adminTable = bus.table(ClusterTable.ADMINS);
        accounts = new AccountStore(json, adminTable, config.passwordIterations(), config.credentialCache().toMillis());
        following.add(bus.table(ClusterTable.NODES).follow(nodes));
        following.add(clientTable.follow(clients));
        following.add(banTable.follow(bans));
        following.add(retainedTable.follow(retained));
        following.add(adminTable.follow(accounts));
        if (!accounts.awaitCaughtUp(60_000)) {
            throw new IllegalStateException("the admins table could not be read within 60 s; is Kafka up?");
        }
        bootstrapAdministrator();
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "admin-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = config.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        following.forEach(MessageBus.Registration::close);
    }

    private void bootstrapAdministrator() {
        if (accounts.hasAdministrator()) {
            return;
        }
        String name = config.bootstrapUsername();
        if (config.bootstrapPassword().isPresent()) {
            accounts.save(Account.Type.USER, name, config.bootstrapPassword().get(), Account.Role.ADMINISTRATOR, 0,
                    "bootstrap administrator");
            LOG.infof("admin API: created administrator '%s' from ADMIN_BOOTSTRAP_PASSWORD", name);
        } else {
            String password = PasswordHasher.randomToken(18);
            accounts.save(Account.Type.USER, name, password, Account.Role.ADMINISTRATOR, 0, "bootstrap administrator");
            LOG.warnf("admin API: created administrator '%s' with the generated password %s -- it is shown only"
                    + " this once; change it (PUT /api/v1/admins/%s) or set ADMIN_BOOTSTRAP_PASSWORD", name, password, name);
        }
    }

    private void sweep() {
        try {
            long now = System.currentTimeMillis();
            for (String key : clients.staleKeys(now)) {
                clientTable.remove(key);
            }
            bans.entries().forEach((key, ban) -> {
                if (!ban.inForce(now)) {
                    banTable.remove(key);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("sweeping stale clients and expired bans failed; will retry", e);
        }
    }

    public NodeDirectory nodes() {
        return nodes;
    }

    public ClientDirectory clients() {
        return clients;
    }

    /** The bans, sorted by kind and value. */
    public TableMirror<BanRecord> bans() {
        return bans;
    }

    public ReplicatedTable banTable() {
        return banTable;
    }

    /** Retained messages by topic, sorted (the routers write them; the admin API only deletes). */
    public TableMirror<Envelope> retained() {
        return retained;
    }

    /** The retained messages, sorted by topic for listings by prefix. */
    public NavigableMap<String, Envelope> retainedByTopic() {
        return retainedByTopic;
    }

    public ReplicatedTable retainedTable() {
        return retainedTable;
    }

    public AccountStore accounts() {
        return accounts;
    }
}
