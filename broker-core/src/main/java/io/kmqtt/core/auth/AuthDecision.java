package io.kmqtt.core.auth;

import java.util.List;

/**
 * The answer to a CONNECT: whether the client may connect and, if so, what it may do.
 *
 * @param outcome   allow, or why not
 * @param superuser true if the ACL does not apply to this client
 * @param rules     the client's ACL rules, placeholders not yet substituted
 * @param allowOnNoMatch what a topic no rule matches gets (emq's acl_nomatch): true allows
 * @param reason    a phrase for the log when the client is refused
 */
public record AuthDecision(Outcome outcome, boolean superuser, List<AclRule> rules, boolean allowOnNoMatch,
                           String reason) {

    public enum Outcome {
        /** Credentials verified. */
        ALLOW,
        /** Unknown user or wrong password: CONNACK 0x04 (v3), 0x86 (v5). */
        BAD_CREDENTIALS,
        /** Not allowed to connect at all, e.g. anonymous when that is off: 0x05 (v3), 0x87 (v5). */
        NOT_AUTHORIZED,
        /** The credential store could not be asked: 0x03 (v3), 0x88 (v5). Never "bad credentials". */
        UNAVAILABLE
    }

    public AuthDecision {
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    public static AuthDecision allow(boolean superuser, List<AclRule> rules, boolean allowOnNoMatch) {
        return new AuthDecision(Outcome.ALLOW, superuser, rules, allowOnNoMatch, "");
    }

    public static AuthDecision refuse(Outcome outcome, String reason) {
        return new AuthDecision(outcome, false, List.of(), false, reason);
    }

    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }
}
