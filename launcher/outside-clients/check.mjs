// Kaizen seen from outside the project: clients nobody here wrote, against a running pair.
//   node check.mjs MCP_URL GRPC_TARGET      e.g. node check.mjs http://localhost:8080/mcp 127.0.0.1:9090
// Checks: the official MCP conformance scenarios that apply to any server, the MCP TypeScript SDK's
// client, the MCP Inspector CLI, and grpc-js with the repository's .proto files. One line per check;
// the exit status is the number of failed checks.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { check, expect, finish } from './checks.mjs';

const [mcpUrl, grpcTarget] = process.argv.slice(2);
if (!mcpUrl || !grpcTarget) {
  console.error('usage: node check.mjs MCP_URL GRPC_TARGET');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const unique = (prefix) => `${prefix}-${Date.now().toString(36)}`;

// --- the official conformance suite: the scenarios that apply to any server -----------------------
for (const scenario of ['server-initialize', 'ping', 'tools-list', 'prompts-list', 'dns-rebinding-protection',
  'server-sse-multiple-streams']) {
  await check(`conformance ${scenario}`, async () => {
    const { stdout } = await run('npx', ['conformance', 'server', '--url', mcpUrl, '--scenario', scenario],
      { cwd: here, maxBuffer: 16 << 20 }).catch((error) => { throw new Error((error.stdout ?? '') + error.message); });
    const passed = stdout.split('\n').filter((line) => line.includes('Passed:')).pop();
    expect(passed, `no result in its output:\n${stdout}`);
    return passed.trim();
  });
}

// --- the MCP TypeScript SDK's client ------------------------------------------------------------------
const mcp = new Client({ name: 'kaizen-outside-check', version: '1.0.0' });
await mcp.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
const tool = async (name, args) => {
  const result = await mcp.callTool({ name, arguments: args });
  expect(!result.isError, `${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent;
};
const sdkNamespace = unique('ts-sdk');
await check('MCP TypeScript SDK: tools and prompts', async () => {
  const { tools } = await mcp.listTools();
  const { prompts } = await mcp.listPrompts();
  expect(tools.length === 21, `${tools.length} tools`);
  expect(tools.every((t) => t.description && t.inputSchema?.type === 'object'), 'a tool without description or schema');
  return `${tools.length} tools, ${prompts.length} prompts`;
});
await check('MCP TypeScript SDK: write and find knowledge', async () => {
  await tool('create_namespace', { name: sdkNamespace, description: 'TypeScript SDK check' });
  const written = await tool('write_knowledge', { scope: `${sdkNamespace}:default`,
    content: 'Written by the MCP TypeScript SDK.', context: 'typescript sdk outside' });
  const found = JSON.stringify(await tool('get_task_context', { queries: ['typescript sdk'], scope: `${sdkNamespace}:default` }));
  expect(found.includes('Written by the MCP TypeScript SDK.'), `not found: ${found}`);
  return `entry ${written.id} found`;
});
await check('MCP TypeScript SDK: a refusal is one readable sentence', async () => {
  const result = await mcp.callTool({ name: 'create_namespace', arguments: { name: sdkNamespace, description: 'Again' } });
  const text = result.content?.[0]?.text ?? '';
  expect(result.isError && text.includes('already exists') && !/Exception|SQL/.test(text), text);
  return text;
});
await check('MCP TypeScript SDK: every tool declares an outputSchema', async () => {
  const { tools } = await mcp.listTools();
  const without = tools.filter((t) => t.outputSchema?.type !== 'object').map((t) => t.name);
  expect(without.length === 0, `without: ${without}`);
  return `${tools.length} of ${tools.length}`;
});
const results = (result) => result.structuredContent.results.length;
await check('MCP TypeScript SDK: a search with max_tokens 500 stays within it and links the rest', async () => {
  for (let i = 0; i < 8; i++) {
    await tool('write_knowledge', { scope: `${sdkNamespace}:default`, content: `Budget entry ${i}. ${'Long text. '.repeat(400)}`,
      context: 'budget outside' });
  }
  const result = await mcp.callTool({ name: 'get_task_context',
    arguments: { queries: ['budget outside'], scope: `${sdkNamespace}:default`, max_tokens: 500 } });
  const text = result.content.find((c) => c.type === 'text').text;
  const links = result.content.filter((c) => c.type === 'resource_link');
  expect(text.length + 120 * links.length <= 2000, `${text.length} characters and ${links.length} links`);
  expect(links.length > 0 && result.structuredContent.more > 0, JSON.stringify(result.structuredContent).slice(0, 300));
  const whole = await mcp.readResource({ uri: links[0].uri });
  const entry = JSON.parse(whole.contents[0].text);
  expect(entry.content.length > 4000, `read ${entry.content.length} characters`);
  return `${text.length} characters, ${results(result)} results, ${links.length} linked, ${result.structuredContent.more} more; `
    + `${links[0].uri} read whole (${entry.content.length} characters)`;
});
await check('MCP TypeScript SDK: completions suggest scopes', async () => {
  const { completion } = await mcp.complete({ ref: { type: 'ref/resource', uri: 'kaizen://scope/{scope}' },
    argument: { name: 'scope', value: `${sdkNamespace}:` } });
  expect(completion.values.includes(`${sdkNamespace}:default`), JSON.stringify(completion));
  return completion.values.join(', ');
});
await mcp.callTool({ name: 'delete_namespace', arguments: { name: sdkNamespace } });
await mcp.close();

// --- the MCP Inspector CLI --------------------------------------------------------------------------
const inspector = async (...args) => {
  const { stdout } = await run('npx', ['mcp-inspector-cli', '--cli', mcpUrl, '--transport', 'http', ...args],
    { cwd: here, maxBuffer: 16 << 20 });
  return JSON.parse(stdout);
};
await check('MCP Inspector CLI: tools/list and tools/call', async () => {
  const { tools } = await inspector('--method', 'tools/list');
  expect(tools.length === 21, `${tools.length} tools`);
  const name = unique('inspector');
  const created = await inspector('--method', 'tools/call', '--tool-name', 'create_namespace', '--tool-arg', `name=${name}`,
    '--tool-arg', 'description=Via the Inspector');
  expect(!created.isError, JSON.stringify(created));
  const written = await inspector('--method', 'tools/call', '--tool-name', 'write_knowledge', '--tool-arg',
    `scope=${name}:default`, '--tool-arg', 'content=Inspector wrote this.', '--tool-arg', 'context=inspector cli');
  expect(!written.isError, JSON.stringify(written));
  const found = await inspector('--method', 'tools/call', '--tool-name', 'get_task_context', '--tool-arg',
    'queries=["inspector"]', '--tool-arg', `scope=${name}:default`);
  expect(JSON.stringify(found).includes('Inspector wrote this.'), JSON.stringify(found));
  await inspector('--method', 'tools/call', '--tool-name', 'delete_namespace', '--tool-arg', `name=${name}`);
  return `${tools.length} tools; create_namespace, write_knowledge and get_task_context found the entry`;
});

// --- grpc-js with the repository's .proto files -------------------------------------------------------
const definition = protoLoader.loadSync(
  ['kaizen/v1/namespace_service.proto', 'kaizen/v1/knowledge_service.proto'],
  { includeDirs: [path.resolve(here, '../../proto/src/main/proto')], keepCase: true, longs: String, enums: String,
    defaults: true });
const kaizen = grpc.loadPackageDefinition(definition).kaizen.v1;
const credentials = grpc.credentials.createInsecure();
const namespaces = new kaizen.NamespaceService(grpcTarget, credentials);
const knowledge = new kaizen.KnowledgeService(grpcTarget, credentials);
const call = (client, method, request) => new Promise((resolve, reject) =>
  client[method](request, { deadline: Date.now() + 10000 }, (error, response) => error ? reject(error) : resolve(response)));
const refusal = (client, method, request) => call(client, method, request).then(
  (response) => { throw new Error(`accepted: ${JSON.stringify(response)}`); }, (error) => error);

const grpcNamespace = unique('grpcjs');
await check('grpc-js: write and find knowledge', async () => {
  await call(namespaces, 'CreateNamespace', { name: grpcNamespace, description: 'Created by grpc-js' });
  const marker = `marker${Date.now()}`;
  const written = await call(knowledge, 'WriteKnowledge', { scope: `${grpcNamespace}:default`,
    content: 'Found through an outside gRPC client.', context: `${marker} grpcjs`, task_size: 'TASK_SIZE_S' });
  const found = JSON.stringify(await call(knowledge, 'GetTaskContext', { scope: `${grpcNamespace}:default`, queries: [marker] }));
  expect(found.includes(written.id), `entry ${written.id} not in ${found}`);
  const duplicate = await refusal(namespaces, 'CreateNamespace', { name: grpcNamespace, description: 'Again' });
  expect(duplicate.code === grpc.status.ALREADY_EXISTS, `duplicate: ${duplicate.code} ${duplicate.details}`);
  return `entry ${written.id} found; a duplicate namespace is ALREADY_EXISTS`;
});
await check('grpc-js: messages quoting non-ASCII text arrive whole', async () => {
  const error = await refusal(namespaces, 'ListNamespaces', { name: 'café ☕' });
  expect(error.code === grpc.status.INVALID_ARGUMENT && error.details.includes("'café ☕'"),
    `${error.code}: '${error.details}'`);
  return error.details;
});
await check('grpc-js: an unpaired surrogate is refused at once', async () => {
  const started = Date.now();
  const error = await refusal(knowledge, 'WriteKnowledge', { scope: `${grpcNamespace}:default`, content: 'broken \ud800',
    context: 'broken' });
  expect(error.code === grpc.status.INVALID_ARGUMENT && Date.now() - started < 5000, `${error.code}: ${error.details}`);
  return error.details;
});
await call(namespaces, 'DeleteNamespace', { name: grpcNamespace });
namespaces.close();
knowledge.close();

finish('Outside clients');
