package io.kmqtt.deploy;

import java.nio.file.Path;
import java.util.List;

/** Where the deployment files live and which services they describe. */
final class Deployment {

    static final Path ROOT = Path.of(System.getProperty("kmqtt.root", "..")).toAbsolutePath().normalize();

    /** The project's services; each has an image {@code kmqtt/<module>}. */
    static final List<String> SERVICES = List.of("mqtt-gateway", "routing-service", "auth-service", "admin-api");

    private Deployment() {
    }

    /** The module an image belongs to, or null when it is not one of ours: kmqtt/mqtt-gateway:0.1.0 → mqtt-gateway. */
    static String moduleOf(String image) {
        if (image == null || !image.startsWith("kmqtt/")) {
            return null;
        }
        String name = image.substring("kmqtt/".length());
        int tag = name.indexOf(':');
        return tag < 0 ? name : name.substring(0, tag);
    }

    static String tagOf(String image) {
        int tag = image.lastIndexOf(':');
        return tag < 0 ? "latest" : image.substring(tag + 1);
    }
}
