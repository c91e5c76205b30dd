package dev.kaizen.system;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates a Kubernetes object against the OpenAPI v3 schema of a CustomResourceDefinition version
 * as the API server's strict field validation does: types, required fields, enums, patterns,
 * minimums and maximums, lengths and item counts, {@code anyOf}, int-or-string, and unknown fields
 * refused unless the schema preserves them. CEL rules ({@code x-kubernetes-validations}) are not
 * evaluated. Returns every violation with its path ({@code spec.postgresql.synchronous.method}).
 */
final class StructuralSchema {
    private StructuralSchema() {
    }

    static List<String> violations(Map<String, Object> schema, Object value) {
        List<String> found = new ArrayList<>();
        check(schema, value, "", found);
        return found;
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> schema, Object value, String path, List<String> found) {
        String at = path.isEmpty() ? "(root)" : path;
        if (value == null) {
            if (!Boolean.TRUE.equals(schema.get("nullable"))) {
                found.add(at + ": null is not allowed");
            }
            return;
        }
        if (schema.get("anyOf") instanceof List<?> options) {
            boolean any = false;
            for (Object option : options) {
                List<String> attempt = new ArrayList<>();
                check((Map<String, Object>) option, value, path, attempt);
                any |= attempt.isEmpty();
            }
            if (!any) {
                found.add(at + ": matches none of anyOf " + options);
            }
        }
        if (schema.get("allOf") instanceof List<?> all) {
            for (Object part : all) {
                check((Map<String, Object>) part, value, path, found);
            }
        }
        boolean intOrString = Boolean.TRUE.equals(schema.get("x-kubernetes-int-or-string"));
        String type = (String) schema.get("type");
        if (intOrString) {
            if (!(value instanceof String || isInteger(value))) {
                found.add(at + ": must be an integer or a string, not " + describe(value));
                return;
            }
        } else if (type != null && !hasType(type, value)) {
            found.add(at + ": must be " + type + ", not " + describe(value));
            return;
        }
        if (schema.get("enum") instanceof List<?> allowed && !allowed.contains(value)) {
            found.add(at + ": " + value + " is not one of " + allowed);
        }
        if (value instanceof String text) {
            if (schema.get("pattern") instanceof String pattern && !Pattern.compile(pattern).matcher(text).find()) {
                found.add(at + ": '" + text + "' does not match " + pattern);
            }
            if (schema.get("minLength") instanceof Number min && text.length() < min.intValue()) {
                found.add(at + ": shorter than " + min);
            }
            if (schema.get("maxLength") instanceof Number max && text.length() > max.intValue()) {
                found.add(at + ": longer than " + max);
            }
        }
        if (value instanceof Number number) {
            BigDecimal actual = new BigDecimal(number.toString());
            if (schema.get("minimum") instanceof Number min && actual.compareTo(new BigDecimal(min.toString())) < 0) {
                found.add(at + ": " + number + " is under the minimum " + min);
            }
            if (schema.get("maximum") instanceof Number max && actual.compareTo(new BigDecimal(max.toString())) > 0) {
                found.add(at + ": " + number + " is over the maximum " + max);
            }
        }
        if (value instanceof List<?> items) {
            if (schema.get("minItems") instanceof Number min && items.size() < min.intValue()) {
                found.add(at + ": fewer than " + min + " items");
            }
            if (schema.get("maxItems") instanceof Number max && items.size() > max.intValue()) {
                found.add(at + ": more than " + max + " items");
            }
            if (schema.get("items") instanceof Map<?, ?> itemSchema) {
                for (int i = 0; i < items.size(); i++) {
                    check((Map<String, Object>) itemSchema, items.get(i), path + "[" + i + "]", found);
                }
            }
        }
        // the object's metadata is ObjectMeta, checked by the API server itself, not by the CRD's schema
        if (value instanceof Map<?, ?> object && !path.equals("metadata")) {
            Map<String, Object> properties = schema.get("properties") instanceof Map<?, ?> map
                    ? (Map<String, Object>) map : Map.of();
            if (schema.get("required") instanceof List<?> required) {
                for (Object name : required) {
                    if (!object.containsKey(name)) {
                        found.add(at + ": " + name + " is required");
                    }
                }
            }
            boolean preserve = Boolean.TRUE.equals(schema.get("x-kubernetes-preserve-unknown-fields"));
            for (Map.Entry<?, ?> field : object.entrySet()) {
                String name = String.valueOf(field.getKey());
                String child = path.isEmpty() ? name : path + "." + name;
                if (properties.get(name) instanceof Map<?, ?> fieldSchema) {
                    check((Map<String, Object>) fieldSchema, field.getValue(), child, found);
                } else if (schema.get("additionalProperties") instanceof Map<?, ?> valueSchema) {
                    check((Map<String, Object>) valueSchema, field.getValue(), child, found);
                } else if (!preserve && !Boolean.TRUE.equals(schema.get("additionalProperties"))) {
                    found.add(child + ": unknown field");
                }
            }
        }
    }

    private static boolean hasType(String type, Object value) {
        return switch (type) {
            case "object" -> value instanceof Map;
            case "array" -> value instanceof List;
            case "string" -> value instanceof String;
            case "integer" -> isInteger(value);
            case "number" -> value instanceof Number;
            case "boolean" -> value instanceof Boolean;
            default -> true;
        };
    }

    private static boolean isInteger(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger;
    }

    private static String describe(Object value) {
        return value.getClass().getSimpleName() + " " + value;
    }
}
