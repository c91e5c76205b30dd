package dev.kaizen.gateway;

import java.util.List;
import java.util.stream.Stream;

/**
 * Every Kaizen tool, by domain. A tool is defined once, in its domain's class ({@link KaizenTool#define}):
 * adding one touches that class alone.
 */
final class KaizenTools {
    private KaizenTools() {
    }

    static List<KaizenTool> all() {
        return Stream.of(NamespaceTools.all(), ScopeTools.all(), KnowledgeTools.all(), SearchTools.all(),
                        AdministrationTools.all())
                .flatMap(List::stream)
                .toList();
    }
}
