package dev.kaizen.gateway;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import com.google.protobuf.Timestamp;
import dev.kaizen.api.RuleViolation;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.TaskSize;

/**
 * The arguments of one tool call, read by JSON type. Only the shape is checked here (a string is a
 * string, an id is a number) and that every string can cross protobuf unchanged ({@link Rules#text}:
 * an unpaired surrogate would silently become '?'); the domain rules are knowledge-service's, which
 * checks every request.
 */
final class Arguments {
    private final Map<String, Object> values;

    /** Reads {@code values} against the tool's published argument schemas: names, and where null is allowed. */
    Arguments(String tool, Map<String, Object> values, Map<String, Object> schemas) {
        this.values = values == null ? Map.of() : values;
        for (Map.Entry<String, Object> argument : this.values.entrySet()) {
            String name = argument.getKey();
            if (!schemas.containsKey(name)) {
                throw new ToolRefusal("Unknown argument " + Rules.quote(name) + ": " + tool + " takes "
                        + (schemas.isEmpty() ? "no arguments" : String.join(", ", new TreeSet<>(schemas.keySet()))) + ".");
            }
            if (argument.getValue() == null && !(schemas.get(name) instanceof Map<?, ?> schema
                    && schema.get("type") instanceof List<?> types && types.contains("null"))) {
                throw new ToolRefusal(name + " is null, which it cannot be: leave it out or give a value.");
            }
            checkText(name, argument.getValue());
        }
    }

    private static void checkText(String name, Object value) {
        try {
            if (value instanceof String text) {
                Rules.text(name, text);
            } else if (value instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    checkText(name + "[" + i + "]", list.get(i));
                }
            }
        } catch (RuleViolation violation) {
            throw new ToolRefusal(violation.getMessage());
        }
    }

    /** Whether the call gave {@code name}. */
    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name) {
        return optionalString(name).orElseThrow(() -> new ToolRefusal(name + " is missing: it is required."));
    }

    Optional<String> optionalString(String name) {
        Object value = values.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text) {
            return Optional.of(text);
        }
        throw new ToolRefusal(name + " must be a string, not " + describe(value) + ".");
    }

    /**
     * An optional string checked here by {@code rule} (one of {@link Rules}), for an argument that the
     * gRPC API names otherwise, so that a refusal names the argument the caller gave.
     */
    Optional<String> optionalString(String name, java.util.function.BinaryOperator<String> rule) {
        try {
            return optionalString(name).map(value -> rule.apply(name, value));
        } catch (RuleViolation violation) {
            throw new ToolRefusal(violation.getMessage());
        }
    }

    List<String> strings(String name) {
        return optionalStrings(name).orElseThrow(() -> new ToolRefusal(name + " is missing: it is required."));
    }

    Optional<List<String>> optionalStrings(String name) {
        Object value = values.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof List<?> list)) {
            throw new ToolRefusal(name + " must be a list of strings, e.g. [\"first\", \"second\"].");
        }
        List<String> strings = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String text)) {
                throw new ToolRefusal(name + "[" + i + "] must be a string, not " + describe(list.get(i)) + ".");
            }
            strings.add(text);
        }
        return Optional.of(strings);
    }

    long id(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new ToolRefusal(name + " is missing: it is required.");
        }
        return id(name, value);
    }

    List<Long> ids(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new ToolRefusal(name + " is missing: it is required.");
        }
        if (!(value instanceof List<?> list)) {
            throw new ToolRefusal(name + " must be a list of knowledge ids, e.g. [\"42\", \"43\"].");
        }
        List<Long> ids = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            ids.add(id(name + "[" + i + "]", list.get(i)));
        }
        return ids;
    }

    /**
     * A whole number, or {@code otherwise} when not given; {@code check} applies the rule of its range
     * (a {@link RuleViolation} becomes the refusal).
     */
    int integer(String name, int otherwise, java.util.function.LongToIntFunction check) {
        Object value = values.get(name);
        if (value == null) {
            return otherwise;
        }
        long number = wholeNumber(value).orElseThrow(() -> new ToolRefusal(name + " " + describe(value)
                + (integral(value) ? " is out of range" : " is not a whole number") + ": see the tool's input schema."));
        try {
            return check.applyAsInt(number);
        } catch (RuleViolation violation) {
            throw new ToolRefusal(violation.getMessage());
        }
    }

    /** A task size, or empty when not given; JSON null (where the schema allows it) gives TASK_SIZE_UNSPECIFIED. */
    Optional<TaskSize> taskSize(String name) {
        if (!values.containsKey(name)) {
            return Optional.empty();
        }
        Object value = values.get(name);
        if (value == null) {
            return Optional.of(TaskSize.TASK_SIZE_UNSPECIFIED);
        }
        // exactly the documented spellings: upper-casing would also turn 's' or 'ſ' (U+017F) into S
        if (value instanceof String text && Rules.TASK_SIZES.contains(text)) {
            return Optional.of(TaskSize.valueOf("TASK_SIZE_" + text));
        }
        throw new ToolRefusal(name + " " + describe(value) + " is not a task size: use " + Rules.TASK_SIZE_RULE + ".");
    }

    /** A time written as {@link Rules#TIME_RULE}, or empty when not given (or JSON null, where the schema allows it). */
    Optional<Timestamp> time(String name) {
        try {
            return optionalString(name).map(text -> Rules.time(name, text))
                    .map(time -> Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()).build());
        } catch (RuleViolation violation) {
            throw new ToolRefusal(violation.getMessage());
        }
    }

    /** Ids are decimal strings (as this server writes them) or JSON integers; {@link Rules#id} is their rule. */
    private static long id(String name, Object value) {
        try {
            if (value instanceof String text) {
                return Rules.id(name, text);
            }
            return Rules.id(name, wholeNumber(value).orElseThrow(() -> new ToolRefusal(name + " " + describe(value)
                    + " is not a valid id: give " + Rules.ID_RULE + ".")));
        } catch (RuleViolation violation) {
            throw new ToolRefusal(violation.getMessage());
        }
    }

    /** A JSON number without a fractional part that fits 64 bits (2.0 is one, as in JSON Schema's integer). */
    private static Optional<Long> wholeNumber(Object value) {
        try {
            if (value instanceof Integer || value instanceof Long || value instanceof Short) {
                return Optional.of(((Number) value).longValue());
            }
            if (value instanceof BigInteger big) {
                return Optional.of(big.longValueExact());
            }
            if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
                return Optional.of(new BigDecimal(value.toString()).longValueExact());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // not whole, or past 64 bits
        }
        return Optional.empty();
    }

    private static boolean integral(Object value) {
        return value instanceof Number number && new BigDecimal(number.toString()).stripTrailingZeros().scale() <= 0;
    }

    private static String describe(Object value) {
        if (value instanceof String text) {
            return Rules.quote(text);
        }
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        return String.valueOf(value);
    }
}
