package dev.kaizen.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Static API tokens for services and scripts. Configuration keeps only each token's SHA-256 hash,
 * with the principal it names and its grants, one entry per line or comma:
 * {@code <principal>:<sha-256 of the token, hex>:<scope> <scope> ...}, e.g.
 * {@code ci-bot:9f86d0...:kaizen:write:acme kaizen:read:*}. Tokens are random and long, so a plain
 * hash keeps them safe; {@link #generate} makes one.
 */
public final class ApiTokens {
    private static final Pattern ENTRY = Pattern.compile("([a-z0-9][a-z0-9._@-]{0,63}):([0-9a-f]{64}):(.*)");
    private static final String PREFIX = "kzn_";
    private final Map<String, Principal> byHash;

    private ApiTokens(Map<String, Principal> byHash) {
        this.byHash = Map.copyOf(byHash);
    }

    /** Reads the configured entries; a malformed one stops start-up with a message that says which and why. */
    public static ApiTokens parse(String configured) {
        Map<String, Principal> byHash = new HashMap<>();
        String[] entries = configured == null ? new String[0] : configured.split("[,\\n]");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.isEmpty()) {
                continue;
            }
            Matcher parts = ENTRY.matcher(entry);
            if (!parts.matches()) {
                throw new IllegalArgumentException("auth.tokens entry " + (i + 1) + " is not '<principal>:<sha-256 hex>:"
                        + "<scopes>' (principal: lower-case letters, digits and . _ @ -; hash: 64 hex digits, as "
                        + "'./kaizen token' prints it)");
            }
            Principal principal = Principal.of(parts.group(1), Arrays.asList(parts.group(3).strip().split("\\s+")));
            if (byHash.put(parts.group(2), principal) != null) {
                throw new IllegalArgumentException("auth.tokens entry " + (i + 1) + " repeats the hash of an earlier one");
            }
        }
        return new ApiTokens(byHash);
    }

    boolean isEmpty() {
        return byHash.isEmpty();
    }

    int size() {
        return byHash.size();
    }

    Optional<Principal> principal(String token) {
        return Optional.ofNullable(byHash.get(hash(token)));
    }

    /** SHA-256 of the token's UTF-8 bytes, as lower-case hex: what configuration keeps. */
    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** A new random token: 256 bits, URL-safe, recognisable by its prefix. */
    public static String generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The configuration entry of {@code token}. */
    public static String entry(String principal, String token, String scopes) {
        return principal + ":" + hash(token) + ":" + scopes;
    }
}
