package io.kmqtt.auth.service;

import io.kmqtt.core.auth.AuthBackend;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Builds the credential store at start-up, so that a bad configuration fails there, not at the first CONNECT. */
@ApplicationScoped
public class AuthStartup {

    void onStart(@Observes StartupEvent event, AuthBackend backend) {
        backend.configured(); // creating the bean is the point; the producer logs what it chose
    }
}
