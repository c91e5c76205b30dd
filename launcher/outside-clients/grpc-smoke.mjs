// An independent gRPC client (grpc-js, loading the repository's .proto files at run time) that
// creates a namespace, writes knowledge and finds it with the task-context search.
// Usage: node grpc-smoke.mjs HOST:PORT
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const target = process.argv[2] ?? '127.0.0.1:9090';
const protoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto/src/main/proto');
const definition = protoLoader.loadSync(
  ['kaizen/v1/namespace_service.proto', 'kaizen/v1/knowledge_service.proto'],
  { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true });
const kaizen = grpc.loadPackageDefinition(definition).kaizen.v1;
const credentials = grpc.credentials.createInsecure();
const namespaces = new kaizen.NamespaceService(target, credentials);
const knowledge = new kaizen.KnowledgeService(target, credentials);

const call = (client, method, request) => new Promise((resolve, reject) =>
  client[method](request, { deadline: Date.now() + 10000 }, (error, response) => error ? reject(error) : resolve(response)));

const name = `grpcjs-${Date.now()}`;
const marker = `marker${Date.now()}`;
await call(namespaces, 'CreateNamespace', { name, description: 'Created by grpc-js' });
const written = await call(knowledge, 'WriteKnowledge', {
  scope: `${name}:default`, content: 'Found through an outside gRPC client.', context: `${marker} grpcjs`,
  task_size: 'TASK_SIZE_S' });
const found = await call(knowledge, 'GetTaskContext', { scope: `${name}:default`, queries: [marker] });
const ids = found.scopes.flatMap(group => group.entries.map(entry => entry.id));
if (!ids.includes(written.id)) {
  console.error(`grpc-js: entry ${written.id} not found: ${JSON.stringify(found)}`);
  process.exit(1);
}
try {
  await call(namespaces, 'CreateNamespace', { name, description: 'Again' });
  console.error('grpc-js: a duplicate namespace was accepted');
  process.exit(1);
} catch (error) {
  if (error.code !== grpc.status.ALREADY_EXISTS) throw error;
}
await call(namespaces, 'DeleteNamespace', { name });
console.log(`grpc-js: created ${name}, wrote entry ${written.id}, found it with GetTaskContext, duplicate refused with ALREADY_EXISTS`);
