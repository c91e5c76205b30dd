package dev.kaizen.gateway;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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

    Arguments(String tool, Map<String, Object> values, Set<String> accepted) {
        this.values = values == null ? Map.of() : values;
        for (Map.Entry<String, Object> argument : this.values.entrySet()) {
            if (!accepted.contains(argument.getKey())) {
                throw new ToolRefusal("Unknown argument " + Rules.quote(argument.getKey()) + ": " + tool + " takes "
                        + (accepted.isEmpty() ? "no arguments" : String.join(", ", new TreeSet<>(accepted))) + ".");
            }
            checkText(argument.getKey(), argument.getValue());
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
        long number;
        try {
            number = value instanceof Integer || value instanceof Long || value instanceof Short ? ((Number) value).longValue()
                    : value instanceof BigInteger big ? big.longValueExact()
                    : value instanceof Double || value instanceof Float || value instanceof BigDecimal
                    ? new BigDecimal(value.toString()).longValueExact()
                    : Long.MIN_VALUE;
        } catch (ArithmeticException | NumberFormatException e) {
            number = Long.MIN_VALUE;
        }
        if (number == Long.MIN_VALUE) {
            throw new ToolRefusal(name + " must be a whole number, not " + describe(value) + ".");
        }
        try {
            return check.applyAsInt(number);
        } catch (RuleViolation violation) {
            throw new ToolRefusal(violation.getMessage());
        }
    }

    /** A task size, or empty when not given; JSON null gives TASK_SIZE_UNSPECIFIED (no size). */
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

    /** Ids are decimal strings (as this server writes them) or JSON integers. */
    private static long id(String name, Object value) {
        try {
            if (value instanceof Integer || value instanceof Long || value instanceof Short) {
                return ((Number) value).longValue();
            }
            if (value instanceof BigInteger big) {
                return big.longValueExact();
            }
            if (value instanceof String text && text.strip().matches("[+-]?\\d{1,19}")) {
                return Long.parseLong(text.strip());
            }
            if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
                return new BigDecimal(value.toString()).longValueExact();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // falls through to the refusal
        }
        throw new ToolRefusal(name + " " + describe(value) + " is not a knowledge id: give the id as a decimal string "
                + "or an integer, e.g. \"42\", as write_knowledge and get_task_context return it.");
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
