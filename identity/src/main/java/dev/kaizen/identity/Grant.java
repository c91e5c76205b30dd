package dev.kaizen.identity;

import java.util.Locale;

/** What a principal may do in a namespace; each grant includes the ones before it. */
public enum Grant {
    /** Search and read the namespace's knowledge and scopes. */
    READ,
    /** Write, change, delete and resolve the namespace's knowledge. */
    WRITE,
    /** Create, change and delete the namespace's scopes, rename, re-describe and delete the namespace. */
    ADMIN;

    /** The grant as scopes and messages spell it: read, write, admin. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean includes(Grant other) {
        return compareTo(other) >= 0;
    }
}
