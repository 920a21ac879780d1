package io.kmqtt.auth.metrics;

import io.kmqtt.auth.store.CredentialStore;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthDecision.Outcome;
import io.kmqtt.core.auth.Authenticator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The auth-service's meters: {@code auth.decisions{outcome}} (one per decided CONNECT) and
 * {@code auth.store.lookup{store, result}} (the time of one credential-store lookup: for Redis, the
 * one batch of three commands). Every meter is created here once; the decorators only record.
 */
public final class AuthMetrics {

    private final Map<Outcome, Counter> decisions = new EnumMap<>(Outcome.class);
    private final Timer found;
    private final Timer notFound;
    private final Timer failed;

    /** @param store tag value naming the store: {@code redis} or {@code file} */
    public AuthMetrics(MeterRegistry registry, String store) {
        for (Outcome outcome : Outcome.values()) {
            decisions.put(outcome, Counter.builder("auth.decisions").description("CONNECT decisions by outcome")
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        found = lookupTimer(registry, store, "found");
        notFound = lookupTimer(registry, store, "not_found");
        failed = lookupTimer(registry, store, "error");
    }

    private static Timer lookupTimer(MeterRegistry registry, String store, String result) {
        return Timer.builder("auth.store.lookup").description("time of one user lookup in the credential store")
                .tag("store", store).tag("result", result)
                .publishPercentileHistogram().register(registry);
    }

    /** Counts every decision {@code authenticator} makes. */
    public Authenticator counting(Authenticator authenticator) {
        return request -> authenticator.authenticate(request).thenApply(this::count);
    }

    private AuthDecision count(AuthDecision decision) {
        decisions.get(decision.outcome()).increment();
        return decision;
    }

    /** Times every lookup in {@code store}, by result. */
    public CredentialStore timing(CredentialStore store) {
        return new CredentialStore() {
            @Override
            public CompletionStage<StoredUser> find(String username, String clientId) {
                long start = System.nanoTime();
                return store.find(username, clientId).whenComplete((user, error) ->
                        (error != null ? failed : user == null ? notFound : found).record(System.nanoTime() - start,
                                java.util.concurrent.TimeUnit.NANOSECONDS));
            }

            @Override
            public String describe() {
                return store.describe();
            }
        };
    }
}
