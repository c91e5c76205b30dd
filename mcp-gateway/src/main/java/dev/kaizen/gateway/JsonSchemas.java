package dev.kaizen.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.kaizen.api.Rules;

/** Builds the JSON Schemas (2020-12) of tool arguments and results as plain maps. */
final class JsonSchemas {
    private JsonSchemas() {
    }

    record Property(String name, Map<String, Object> schema, boolean required) {
    }

    static Property required(String name, Map<String, Object> schema) {
        return new Property(name, schema, true);
    }

    static Property optional(String name, Map<String, Object> schema) {
        return new Property(name, schema, false);
    }

    static Map<String, Object> object(Property... properties) {
        Map<String, Object> props = new LinkedHashMap<>();
        List<String> required = new ArrayList<>();
        for (Property property : properties) {
            props.put(property.name(), property.schema());
            if (property.required()) {
                required.add(property.name());
            }
        }
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", props);
        if (!required.isEmpty()) {
            schema.put("required", required);
        }
        schema.put("additionalProperties", false);
        return schema;
    }

    static Map<String, Object> string(String description) {
        return Map.of("type", "string", "description", description);
    }

    static Map<String, Object> string(String description, Pattern pattern) {
        return Map.of("type", "string", "description", description, "pattern", "^" + pattern.pattern() + "$");
    }

    static Map<String, Object> string(String description, int minLength, int maxLength) {
        return Map.of("type", "string", "description", description, "minLength", minLength, "maxLength", maxLength);
    }

    static Map<String, Object> oneOf(String description, List<String> values) {
        return Map.of("type", "string", "description", description, "enum", values);
    }

    static Map<String, Object> nullableOneOf(String description, List<String> values) {
        List<Object> allowed = new ArrayList<>(values);
        allowed.add(null);
        return Map.of("type", List.of("string", "null"), "description", description, "enum", allowed);
    }

    static Map<String, Object> strings(String description, int minItems, int maxItems, Map<String, Object> item) {
        return Map.of("type", "array", "description", description, "items", item,
                "minItems", minItems, "maxItems", maxItems);
    }

    /** A knowledge id ({@link Rules#ID_RULE}): a decimal string or a JSON integer. */
    static Map<String, Object> id(String description) {
        Map<String, Object> schema = new LinkedHashMap<>(idItem());
        schema.put("description", description);
        return schema;
    }

    static Map<String, Object> ids(String description, int maxItems) {
        return Map.of("type", "array", "description", description, "items", idItem(), "minItems", 1, "maxItems", maxItems);
    }

    private static Map<String, Object> idItem() {
        return Map.of("type", List.of("string", "integer"), "pattern", "^" + Rules.ID_PATTERN.pattern() + "$",
                "minimum", Rules.ID_MIN, "maximum", Rules.ID_MAX);
    }

    static Map<String, Object> integer(String description) {
        return Map.of("type", "integer", "description", description);
    }

    static Map<String, Object> integer(String description, int minimum, int maximum) {
        return Map.of("type", "integer", "description", description, "minimum", minimum, "maximum", maximum);
    }

    static Map<String, Object> number(String description) {
        return Map.of("type", "number", "description", description);
    }

    static Map<String, Object> bool(String description) {
        return Map.of("type", "boolean", "description", description);
    }

    static Map<String, Object> nullableString(String description) {
        return Map.of("type", List.of("string", "null"), "description", description);
    }

    /**
     * A time written as {@link Rules#TIME_RULE}: JSON Schema's date-time with the pattern Kaizen reads;
     * null allowed where {@code nullable}.
     */
    static Map<String, Object> dateTime(String description, boolean nullable) {
        return Map.of("type", nullable ? List.of("string", "null") : "string", "description", description,
                "format", "date-time", "pattern", "^" + Rules.TIME_PATTERN.pattern() + "$");
    }

    static Map<String, Object> array(String description, Map<String, Object> item) {
        return Map.of("type", "array", "description", description, "items", item);
    }

    /** An object whose keys are names (of namespaces, scopes, settings) and whose values are {@code value}. */
    static Map<String, Object> mapOf(String description, Map<String, Object> value) {
        return Map.of("type", "object", "description", description, "additionalProperties", value);
    }
}
