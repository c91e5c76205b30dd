package dev.kaizen.knowledge;

import dev.kaizen.api.Rules;

/** A scope's canonical name, {@code namespace:scope}, checked against {@link Rules#scope}. */
record ScopeName(String namespace, String name) {
    static final ScopeName GLOBAL_DEFAULT = new ScopeName(Rules.GLOBAL_NAMESPACE, Rules.DEFAULT_SCOPE);

    static ScopeName parse(String argument, String canonical) {
        String[] parts = Rules.scope(argument, canonical);
        return new ScopeName(parts[0], parts[1]);
    }

    static ScopeName defaultOf(String namespace) {
        return new ScopeName(namespace, Rules.DEFAULT_SCOPE);
    }

    boolean isDefault() {
        return Rules.DEFAULT_SCOPE.equals(name);
    }

    @Override
    public String toString() {
        return namespace + Rules.SCOPE_SEPARATOR + name;
    }
}
