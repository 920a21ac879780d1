package io.kmqtt.gateway;

import io.kmqtt.gateway.config.GatewayConfig;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttServerOptions;

/** Turns {@code mqtt.tls.*} into the TLS settings of a listener, refusing incomplete ones at start-up. */
final class TlsOptions {

    private TlsOptions() {
    }

    static MqttServerOptions apply(MqttServerOptions options, GatewayConfig.Tls tls) {
        String cert = tls.certPath().orElseThrow(() -> new IllegalStateException(
                "mqtt.tls.enabled is true but mqtt.tls.cert-path (MQTT_TLS_CERT_PATH) is not set"));
        String key = tls.keyPath().orElseThrow(() -> new IllegalStateException(
                "mqtt.tls.enabled is true but mqtt.tls.key-path (MQTT_TLS_KEY_PATH) is not set"));
        options.setSsl(true).setPemKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key));
        switch (tls.clientAuth()) {
            case NONE -> options.setClientAuth(ClientAuth.NONE);
            case REQUEST -> options.setClientAuth(ClientAuth.REQUEST);
            case REQUIRED -> options.setClientAuth(ClientAuth.REQUIRED);
        }
        if (tls.clientAuth() != GatewayConfig.Tls.ClientCertificates.NONE) {
            String trust = tls.trustPath().orElseThrow(() -> new IllegalStateException("mqtt.tls.client-auth is "
                    + tls.clientAuth() + " but mqtt.tls.trust-path (MQTT_TLS_TRUST_PATH), the CA of client certificates, is not set"));
            options.setPemTrustOptions(new PemTrustOptions().addCertPath(trust));
        }
        return options;
    }
}
