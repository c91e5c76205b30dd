// The container images seen from outside: ./kaizen images runs this against the containers that
// docker-compose.yml started from them.
//   node images.mjs MCP_URL GRPC_TARGET     e.g. node images.mjs http://127.0.0.1:18280/mcp 10.89.0.3:9090
// The MCP TypeScript SDK writes an entry through the gateway's container and finds it again, and
// grpc-js asks the service's container for its grpc.health.v1 status. One line per check; the exit
// status is the number of failed checks.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { check, expect, finish } from './checks.mjs';

const [mcpUrl, grpcTarget] = process.argv.slice(2);
if (!mcpUrl || !grpcTarget) {
  console.error('usage: node images.mjs MCP_URL GRPC_TARGET');
  process.exit(2);
}
const namespace = `images-${Date.now().toString(36)}`;

await check('MCP TypeScript SDK through the mcp-gateway container: write and find knowledge', async () => {
  const mcp = new Client({ name: 'kaizen-images-check', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  try {
    const tool = async (name, args) => {
      const result = await mcp.callTool({ name, arguments: args });
      expect(!result.isError, `${name} failed: ${result.content?.[0]?.text}`);
      return result.structuredContent;
    };
    const server = mcp.getServerVersion();
    await tool('create_namespace', { name: namespace, description: 'Written by ./kaizen images' });
    const written = await tool('write_knowledge', { scope: `${namespace}:default`,
      content: 'The container images build and run as docker-compose.yml describes them.',
      context: 'container images compose check' });
    const found = JSON.stringify(await tool('get_task_context', { queries: ['container images'],
      scope: `${namespace}:default` }));
    expect(found.includes('The container images build and run'), `not found: ${found}`);
    await tool('delete_namespace', { name: namespace });
    return `${server?.name} ${server?.version}: entry ${written.id} written and found`;
  } finally {
    await mcp.close();
  }
});

// grpc.health.v1 as JSON, so no .proto file is needed
const health = grpc.loadPackageDefinition(protoLoader.fromJSON({ nested: { grpc: { nested: { health: { nested: {
  v1: { nested: {
    HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'ServingStatus', id: 1 } },
      nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } } },
    Health: { methods: { Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' } } },
  } } } } } } } }, { enums: String, defaults: true })).grpc.health.v1;

await check('grpc-js: grpc.health.v1 Check on the knowledge-service container', async () => {
  const client = new health.Health(grpcTarget, grpc.credentials.createInsecure());
  try {
    const statuses = [];
    for (const service of ['', 'kaizen.v1.KnowledgeService']) {
      const response = await new Promise((resolve, reject) => client.Check({ service },
        { deadline: Date.now() + 10000 }, (error, answer) => error ? reject(error) : resolve(answer)));
      expect(response.status === 'SERVING', `'${service}': ${response.status}`);
      statuses.push(`'${service}' ${response.status}`);
    }
    return statuses.join(', ');
  } finally {
    client.close();
  }
});

finish('Image checks');
