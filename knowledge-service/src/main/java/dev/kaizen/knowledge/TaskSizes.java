package dev.kaizen.knowledge;

import dev.kaizen.api.v1.TaskSize;

/** TaskSize between its proto enum and the database enum {@code task_size} ('XS' … 'XL'). */
final class TaskSizes {
    private static final String PREFIX = "TASK_SIZE_";

    private TaskSizes() {
    }

    /** The database value, or null for TASK_SIZE_UNSPECIFIED (no task size). */
    static String toDatabase(TaskSize size) {
        if (size == TaskSize.UNRECOGNIZED) {
            throw Failures.invalidArgument("task_size", "task_size is not one of XS, S, M, L, XL.");
        }
        return size == TaskSize.TASK_SIZE_UNSPECIFIED ? null : size.name().substring(PREFIX.length());
    }

    static TaskSize fromDatabase(String size) {
        return size == null ? TaskSize.TASK_SIZE_UNSPECIFIED : TaskSize.valueOf(PREFIX + size);
    }
}
