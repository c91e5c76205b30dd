package dev.kaizen.gateway;

import java.util.List;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpStatelessServerFeatures;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;

/**
 * The Kaizen MCP server, from the tables of tools, prompts, resources and completions, on either
 * transport: stateless (Streamable HTTP; every request stands alone) or session-based (stdio, for
 * desktop clients). The SDK has a parallel set of types for each, so each table is mapped twice.
 */
final class McpServers {
    static final String NAME = "kaizen";
    static final String VERSION = "0.1.0";
    static final String INSTRUCTIONS = """
            Kaizen is persistent, organised memory: knowledge entries (rules, conventions, lessons learned) \
            in scopes 'namespace:scope' that inherit from parent scopes up to global:default. Before a task, \
            call get_task_context with 2-5 short queries and the task's scope: it answers one list, best \
            first, within max_tokens (default 4000); entries that do not fit come as excerpts with a \
            kaizen://knowledge/{id} link to read whole, and next_offset reads on. After learning something \
            worth keeping, store it with write_knowledge in the narrowest scope that needs it, the fact itself \
            in the first sentence.""";

    private static final McpSchema.ServerCapabilities CAPABILITIES = McpSchema.ServerCapabilities.builder()
            .tools(false)
            .prompts(false)
            .resources(false, false)
            .completions()
            .build();

    private McpServers() {
    }

    static McpStatelessSyncServer stateless(McpStatelessServerTransport transport, McpJsonMapper json, ToolCalls calls,
                                            List<KaizenTool> tools, KaizenApi api) {
        return McpServer.sync(transport)
                .serverInfo(NAME, VERSION)
                .instructions(INSTRUCTIONS)
                .capabilities(CAPABILITIES)
                .jsonMapper(json)
                // arguments are checked by Arguments and knowledge-service, with messages that say how to fix them
                .validateToolInputs(false)
                // run tools on the request's own (virtual) thread
                .immediateExecution(true)
                .tools(tools.stream().map(tool -> McpStatelessServerFeatures.SyncToolSpecification.builder()
                        .tool(tool.definition())
                        .callHandler((context, request) -> Caller.within(context, () -> calls.call(tool, request.arguments(),
                                request.meta())))
                        .build()).toList())
                .prompts(KaizenPrompts.all().stream().map(prompt -> new McpStatelessServerFeatures.SyncPromptSpecification(
                        prompt, (context, request) -> KaizenPrompts.get(request))).toList())
                .resourceTemplates(KaizenResources.templates().stream().map(template ->
                        new McpStatelessServerFeatures.SyncResourceTemplateSpecification(template.template(),
                                (context, request) -> Caller.within(context, () -> template.read().apply(api, request.uri()))))
                        .toList())
                .completions(KaizenResources.completions().stream().map(completion ->
                        new McpStatelessServerFeatures.SyncCompletionSpecification(completion.reference(),
                                (context, request) -> Caller.within(context, () -> completion.complete().apply(api, request))))
                        .toList())
                .build();
    }

    static McpSyncServer sessions(McpServerTransportProvider transport, McpJsonMapper json, ToolCalls calls,
                                  List<KaizenTool> tools, KaizenApi api) {
        return McpServer.sync(transport)
                .serverInfo(NAME, VERSION)
                .instructions(INSTRUCTIONS)
                .capabilities(CAPABILITIES)
                .jsonMapper(json)
                .validateToolInputs(false)
                .tools(tools.stream().map(tool -> McpServerFeatures.SyncToolSpecification.builder()
                        .tool(tool.definition())
                        .callHandler((exchange, request) -> calls.call(tool, request.arguments(), request.meta()))
                        .build()).toList())
                .prompts(KaizenPrompts.all().stream().map(prompt -> new McpServerFeatures.SyncPromptSpecification(
                        prompt, (exchange, request) -> KaizenPrompts.get(request))).toList())
                .resourceTemplates(KaizenResources.templates().stream().map(template ->
                        new McpServerFeatures.SyncResourceTemplateSpecification(template.template(),
                                (exchange, request) -> template.read().apply(api, request.uri()))).toList())
                .completions(KaizenResources.completions().stream().map(completion ->
                        new McpServerFeatures.SyncCompletionSpecification(completion.reference(),
                                (exchange, request) -> completion.complete().apply(api, request))).toList())
                .build();
    }
}
