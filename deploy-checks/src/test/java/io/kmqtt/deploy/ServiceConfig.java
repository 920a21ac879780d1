package io.kmqtt.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration properties one packaged service really has, read from its
 * {@code target/quarkus-app}: every Quarkus extension on its runtime classpath (from the config
 * model each extension ships in {@code META-INF/quarkus-config-doc/quarkus-config-model.json}),
 * and every {@code @ConfigMapping} interface in the project's own jars. An environment variable
 * that matches none of them would be ignored silently at run time.
 */
final class ServiceConfig {

    private static final String CONFIG_MODEL = "META-INF/quarkus-config-doc/quarkus-config-model.json";
    private static final String WILDCARD = "*";

    private final String module;
    private final Set<String> properties = new TreeSet<>();
    private final List<Pattern> envPatterns = new ArrayList<>();
    private final Properties applicationProperties = new Properties();

    private ServiceConfig(String module) {
        this.module = module;
    }

    static ServiceConfig of(Path root, String module) {
        Path app = root.resolve(module).resolve("target/quarkus-app");
        if (!Files.isDirectory(app)) {
            throw new IllegalStateException(app + " missing: package " + module + " first (./mvnw package)");
        }
        ServiceConfig config = new ServiceConfig(module);
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(app.resolve("lib/main")); Stream<Path> own = Files.list(app.resolve("app"))) {
            jars.addAll(lib.filter(p -> p.toString().endsWith(".jar")).toList());
            jars.addAll(own.filter(p -> p.toString().endsWith(".jar")).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (URLClassLoader loader = new URLClassLoader(urls(jars), ClassLoader.getPlatformClassLoader())) {
            for (Path jar : jars) {
                config.readQuarkusModel(jar);
                if (isProjectJar(jar)) {
                    config.readConfigMappings(jar, loader);
                }
            }
            try (InputStream in = loader.getResourceAsStream("application.properties")) {
                if (in != null) {
                    config.applicationProperties.load(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    String module() {
        return module;
    }

    Set<String> properties() {
        return properties;
    }

    /** Whether SmallRye Config maps this environment variable onto one of the service's properties. */
    boolean accepts(String envVar) {
        return envPatterns.stream().anyMatch(p -> p.matcher(envVar).matches());
    }

    /** The value the packaged application.properties gives a property, if any. */
    Optional<String> packagedValue(String property) {
        return Optional.ofNullable(applicationProperties.getProperty(property));
    }

    private void add(String property) {
        properties.add(property);
        // SmallRye Config: the variable is the property with every non-alphanumeric character
        // replaced by '_', upper-cased; a map key or quoted segment can be any run of such characters.
        StringBuilder regex = new StringBuilder();
        for (String segment : property.split("\\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
            if (regex.length() > 0) {
                regex.append('_');
            }
            if (segment.equals(WILDCARD) || (segment.startsWith("\"") && segment.endsWith("\""))) {
                regex.append("_?[A-Z0-9_]+_?");
            } else {
                regex.append(Pattern.quote(segment.replaceAll("[^A-Za-z0-9]", "_").toUpperCase()));
            }
        }
        envPatterns.add(Pattern.compile(regex.toString()));
    }

    private void readQuarkusModel(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry(CONFIG_MODEL);
            if (entry == null) {
                return;
            }
            try (InputStream in = file.getInputStream(entry)) {
                collectProperties(new ObjectMapper().readTree(in));
            }
        }
    }

    private void collectProperties(JsonNode node) {
        if (node.isObject()) {
            JsonNode path = node.get("path");
            JsonNode phase = node.get("phase");
            if (path != null && path.has("property") && phase != null) {
                if (!phase.asText().startsWith("BUILD_TIME")) { // build-time-only properties cannot be changed at run time
                    add(path.get("property").asText());
                }
                return;
            }
            node.elements().forEachRemaining(this::collectProperties);
        } else if (node.isArray()) {
            node.elements().forEachRemaining(this::collectProperties);
        }
    }

    private static boolean isProjectJar(Path jar) {
        String name = jar.getFileName().toString();
        return name.startsWith("io.kmqtt.") || jar.getParent().getFileName().toString().equals("app");
    }

    private void readConfigMappings(Path jar, ClassLoader loader) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(file.entries())) {
                String name = entry.getName();
                if (!name.endsWith(".class") || name.contains("$") || name.startsWith("META-INF")) {
                    continue;
                }
                Class<?> type;
                try {
                    type = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                configMappingPrefix(type).ifPresent(prefix -> addGroup(prefix, type));
            }
        }
    }

    private static Optional<String> configMappingPrefix(Class<?> type) {
        for (var annotation : type.getAnnotations()) {
            if (annotation.annotationType().getName().equals("io.smallrye.config.ConfigMapping")) {
                return Optional.of((String) invoke(annotation, "prefix"));
            }
        }
        return Optional.empty();
    }

    private void addGroup(String prefix, Class<?> group) {
        for (Method method : group.getMethods()) {
            if (method.getParameterCount() > 0 || method.isDefault() || Modifier.isStatic(method.getModifiers())
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = propertyName(method);
            String property = name.isEmpty() ? prefix : prefix + "." + name;
            addMember(property, method.getGenericReturnType());
        }
    }

    private void addMember(String property, Type type) {
        Class<?> raw = raw(type);
        if (raw == Optional.class || Collection.class.isAssignableFrom(raw)) {
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            if (isGroup(raw(element))) {
                addGroup(property, raw(element));
            } else {
                add(property);
            }
        } else if (Map.class.isAssignableFrom(raw)) {
            addMember(property + "." + WILDCARD, ((ParameterizedType) type).getActualTypeArguments()[1]);
        } else if (isGroup(raw)) {
            addGroup(property, raw);
        } else {
            add(property);
        }
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && !type.getName().startsWith("java.");
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        return Object.class;
    }

    private static String propertyName(Method method) {
        for (var annotation : method.getAnnotations()) {
            String kind = annotation.annotationType().getName();
            if (kind.equals("io.smallrye.config.WithName")) {
                return (String) invoke(annotation, "value");
            }
            if (kind.equals("io.smallrye.config.WithParentName")) {
                return "";
            }
        }
        return method.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static Object invoke(Object annotation, String member) {
        try {
            return annotation.getClass().getMethod(member).invoke(annotation);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static URL[] urls(List<Path> jars) {
        return jars.stream().map(p -> {
            try {
                return p.toUri().toURL();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toArray(URL[]::new);
    }
}
