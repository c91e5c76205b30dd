package dev.kaizen.gateway;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.kaizen.api.Rules;

import static dev.kaizen.gateway.JsonSchemas.array;
import static dev.kaizen.gateway.JsonSchemas.string;

/**
 * What the tools of several domains share: argument descriptions that quote the rules of
 * {@link Rules} (which knowledge-service enforces), result schemas of ids and scope names, and the
 * one convention of every result: the proto's field names, ids as decimal strings, times as RFC 3339
 * strings, ordered data as arrays.
 */
final class ToolSchemas {
    /** Argument descriptions. */
    static final String NAME = "Namespace name: " + Rules.NAME_RULE + ".";
    static final String DESCRIPTION = "Description: " + Rules.DESCRIPTION_RULE + ".";
    static final String SCOPE = "Scope: " + Rules.SCOPE_RULE + ".";
    static final String ID = "Knowledge id: " + Rules.ID_RULE + "; a decimal string (e.g. \"42\") or an integer.";

    /** Result schemas. */
    static final Map<String, Object> ID_RESULT = string("Knowledge id, a decimal string.");
    static final Map<String, Object> SCOPE_NAMES = array("Canonical scope names.", string("'namespace:scope'."));

    private ToolSchemas() {
    }

    /** An ordered map from alternating keys and values (values may be null). */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** A protobuf time as an RFC 3339 string. */
    static String time(com.google.protobuf.Timestamp time) {
        return Instant.ofEpochSecond(time.getSeconds(), time.getNanos()).toString();
    }
}
