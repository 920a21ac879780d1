package io.kmqtt.auth.store;

import io.kmqtt.core.auth.AclRule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Users and ACLs from files, for a broker without Redis. Same semantics as the Redis store.
 *
 * <p>Users file, one per line: {@code username:stored-password[:superuser]}, the password hashed
 * as {@code auth.password-hash} says; '#' starts a comment. The salt, for salted schemes, follows
 * the hash after a '$': {@code alice:9f86d0...$abc123}.
 *
 * <p>ACL file, Mosquitto style: {@code user NAME} starts a user's section;
 * {@code topic [read|write|readwrite] FILTER} adds a rule for that user (readwrite when omitted);
 * {@code pattern [read|write|readwrite] FILTER} before any {@code user} line adds a rule for
 * every user, usually with %u or %c.
 */
public final class FileCredentialStore implements CredentialStore {

    private final Map<String, StoredUser> users;
    private final String description;

    private FileCredentialStore(Map<String, StoredUser> users, String description) {
        this.users = users;
        this.description = description;
    }

    public static FileCredentialStore load(Path usersFile, Path aclFile) {
        try {
            List<AclRule> patterns = new ArrayList<>();
            Map<String, List<AclRule>> acl = new HashMap<>();
            if (aclFile != null) {
                parseAcl(Files.readAllLines(aclFile), patterns, acl, aclFile);
            }
            Map<String, StoredUser> users = new HashMap<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(usersFile)) {
                lineNo++;
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] parts = l.split(":", 3);
                if (parts.length < 2 || parts[0].isEmpty()) {
                    throw new IllegalArgumentException(usersFile + ":" + lineNo + ": expected username:password[:superuser]");
                }
                String hash = parts[1];
                String salt = null;
                int dollar = hash.lastIndexOf('$');
                if (dollar > 0 && !hash.startsWith("$2")) { // bcrypt hashes contain '$' of their own
                    salt = hash.substring(dollar + 1);
                    hash = hash.substring(0, dollar);
                }
                boolean superuser = parts.length == 3 && parts[2].strip().equals("superuser");
                List<AclRule> rules = new ArrayList<>(patterns);
                rules.addAll(acl.getOrDefault(parts[0], List.of()));
                users.put(parts[0], new StoredUser(parts[0], hash, salt, superuser, rules));
            }
            return new FileCredentialStore(users, "users file " + usersFile
                    + (aclFile == null ? "" : " and ACL file " + aclFile) + " (" + users.size() + " users)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read auth files: " + e.getMessage(), e);
        }
    }

    private static void parseAcl(List<String> lines, List<AclRule> patterns, Map<String, List<AclRule>> acl, Path file) {
        String user = null;
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] words = l.split("\\s+", 3);
            switch (words[0]) {
                case "user" -> user = l.substring(4).strip();
                case "topic", "pattern" -> {
                    if (words.length == 3 && words[1].equals("deny")) {
                        throw new IllegalArgumentException(file + ":" + lineNo + ": 'deny' rules are not supported:"
                                + " rules only allow, and what no rule allows is denied (auth.acl-nomatch=deny)");
                    }
                    int access = AclRule.BOTH;
                    String filter;
                    if (words.length == 3 && words[1].matches("read|write|readwrite")) {
                        access = switch (words[1]) {
                            case "read" -> AclRule.SUBSCRIBE;
                            case "write" -> AclRule.PUBLISH;
                            default -> AclRule.BOTH;
                        };
                        filter = words[2];
                    } else {
                        filter = l.substring(words[0].length()).strip();
                    }
                    AclRule rule = new AclRule(filter, access);
                    if (words[0].equals("pattern") || user == null) {
                        patterns.add(rule);
                    } else {
                        acl.computeIfAbsent(user, u -> new ArrayList<>()).add(rule);
                    }
                }
                default -> throw new IllegalArgumentException(file + ":" + lineNo + ": unknown directive '" + words[0] + "'");
            }
        }
    }

    @Override
    public CompletionStage<StoredUser> find(String username, String clientId) {
        return CompletableFuture.completedFuture(users.get(username));
    }

    @Override
    public String describe() {
        return description;
    }
}
