package io.kmqtt.core.auth;

/**
 * What a client presented at CONNECT.
 *
 * @param clientId    the client identifier (after any assignment by the server)
 * @param username    the user name, or null if none was sent
 * @param password    the password bytes, or null if none was sent
 * @param peerAddress the client's address, for logs and bans
 */
public record AuthRequest(String clientId, String username, byte[] password, String peerAddress) {
}
