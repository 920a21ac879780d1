package io.kmqtt.it;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made with the openssl command: a CA, a server certificate for localhost and
 * 127.0.0.1 signed by it, and a client certificate signed by it (also as PKCS#12 for Java clients).
 */
final class TestCertificates {

    private static final String PASSWORD = "changeit";

    final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    static TestCertificates create(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestCertificates c = new TestCertificates(dir);
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kmqtt test CA",
                "-keyout", "ca.key", "-out", "ca.pem");
        c.signed("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        c.signed("client", "/CN=device-1", "extendedKeyUsage=clientAuth");
        c.openssl("pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-out", "client.p12",
                "-passout", "pass:" + PASSWORD);
        return c;
    }

    private void signed(String name, String subject, String extension) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), extension + "\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", name + ".key", "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed:\n" + output);
        }
    }

    Path path(String file) {
        return dir.resolve(file);
    }

    /** Trusts the test CA. */
    TrustManagerFactory trust() throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(path("ca.pem"))) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf;
    }

    /** Presents the client certificate. */
    KeyManagerFactory clientKey() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path("client.p12"))) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD.toCharArray());
        return kmf;
    }
}
