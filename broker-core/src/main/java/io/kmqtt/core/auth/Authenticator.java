package io.kmqtt.core.auth;

import java.util.concurrent.CompletionStage;

/**
 * Decides a CONNECT. Implementations never block the caller and never fail the stage: a store
 * that cannot be reached is the {@link AuthDecision.Outcome#UNAVAILABLE} outcome.
 */
@FunctionalInterface
public interface Authenticator {

    CompletionStage<AuthDecision> authenticate(AuthRequest request);
}
