package io.kmqtt.admin.service;

import io.kmqtt.admin.config.AdminConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's figures sampled every {@code admin.monitor.interval} and kept for
 * {@code admin.monitor.retention}, so that a chart opened now already shows the recent past. Each
 * admin-api instance samples on its own; the history starts when the instance does.
 */
@ApplicationScoped
public class StatsHistory {

    private static final Logger LOG = Logger.getLogger(StatsHistory.class);

    @Inject
    ClusterStats stats;
    @Inject
    AdminConfig config;

    private final Deque<ClusterStats.Figures> samples = new ArrayDeque<>();
    private ScheduledExecutorService sampler;

    void start(@Observes StartupEvent event) {
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "admin-stats-sampler");
            t.setDaemon(true);
            return t;
        });
        long every = config.monitor().interval().toMillis();
        sampler.scheduleAtFixedRate(this::sample, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }

    void sample() {
        try {
            add(stats.now());
        } catch (RuntimeException e) {
            LOG.warn("sampling the cluster's figures failed; the charts get a gap", e);
        }
    }

    synchronized void add(ClusterStats.Figures figures) {
        samples.addLast(figures);
        long oldest = figures.atMillis() - config.monitor().retention().toMillis();
        while (!samples.isEmpty() && samples.peekFirst().atMillis() < oldest) {
            samples.removeFirst();
        }
    }

    /** The samples taken after {@code sinceMillis}, oldest first. */
    public synchronized List<ClusterStats.Figures> since(long sinceMillis) {
        List<ClusterStats.Figures> found = new ArrayList<>();
        for (ClusterStats.Figures f : samples) {
            if (f.atMillis() > sinceMillis) {
                found.add(f);
            }
        }
        return found;
    }
}
