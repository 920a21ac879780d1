package io.kmqtt.admin.health;

import io.kmqtt.admin.service.ClusterView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the clients and nodes tables have been read up to where they stood at start-up: before that, listings are incomplete. */
@Readiness
@ApplicationScoped
public class ClusterViewReadiness implements HealthCheck {

    @Inject
    ClusterView view;

    @Override
    public HealthCheckResponse call() {
        boolean clients = view.clients() != null && view.clients().caughtUp();
        boolean nodes = view.nodes() != null && view.nodes().caughtUp();
        return HealthCheckResponse.named("cluster view").status(clients && nodes)
                .withData("clients table read", clients).withData("nodes table read", nodes).build();
    }
}
