// MCP authorization seen from outside: the MCP TypeScript SDK's client against a pair whose
// authentication is a real OAuth 2.1 authorization server (the oauth-server module, started by
// ./kaizen clients with oauth-server.json).
//   node oauth.mjs MCP_URL        e.g. node oauth.mjs http://localhost:18180/mcp
// Checks: 401 naming the Protected Resource Metadata, discovery, the authorization-code flow with
// PKCE done by the SDK itself, tools called with the token, attribution, and 403 insufficient_scope.
// One line per check; the exit status is the number of failed checks.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, discoverOAuthProtectedResourceMetadata, discoverAuthorizationServerMetadata }
  from '@modelcontextprotocol/sdk/client/auth.js';
import { check, expect, finish } from './checks.mjs';

const [mcpUrl] = process.argv.slice(2);
if (!mcpUrl) {
  console.error('usage: node oauth.mjs MCP_URL');
  process.exit(2);
}

/** An OAuth client as a desktop MCP client is one: pre-registered, public (PKCE), redirected through a browser. */
class Provider {
  constructor(clientId) {
    this.clientId = clientId;
  }
  get redirectUrl() { return 'http://127.0.0.1:18999/callback'; }
  get clientMetadata() {
    return { client_name: 'Kaizen outside check', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code'],
      response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() { return { client_id: this.clientId }; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
  // the browser's part: the test server grants without a login page, so its redirect carries the code.
  // mock-oauth2-server, an OpenID Connect server, insists on the openid scope: the "browser" adds it.
  async redirectToAuthorization(url) {
    this.authorizationUrl = url;
    const asked = new URL(url);
    asked.searchParams.set('scope', `openid ${asked.searchParams.get('scope') ?? ''}`.trim());
    const answer = await fetch(asked, { redirect: 'manual' });
    const location = answer.headers.get('location');
    expect(location, `the authorization server answered ${answer.status}: ${await answer.text()}`);
    this.code = new URL(location).searchParams.get('code');
  }
}

const post = (token, body) => fetch(mcpUrl, { method: 'POST', body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
    ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
const call = (name, args) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });

let metadata;
await check('OAuth: a request without a token gets 401 naming the Protected Resource Metadata', async () => {
  const answer = await post(undefined, call('list_config', {}));
  const challenge = answer.headers.get('www-authenticate') ?? '';
  expect(answer.status === 401 && challenge.includes('resource_metadata='), `${answer.status} ${challenge}`);
  metadata = await discoverOAuthProtectedResourceMetadata(mcpUrl);
  expect(metadata.resource === mcpUrl, `resource ${metadata.resource}`);
  const server = await discoverAuthorizationServerMetadata(metadata.authorization_servers[0]);
  expect(server.code_challenge_methods_supported?.includes('S256'), JSON.stringify(server));
  return `${challenge}; authorization server ${metadata.authorization_servers[0]}`;
});

let admin;
await check('OAuth: a client-credentials token of the authorization server is accepted', async () => {
  const server = await discoverAuthorizationServerMetadata(metadata.authorization_servers[0]);
  const answer = await fetch(server.token_endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'outside-admin', client_secret: 'x',
      resource: mcpUrl }) });
  admin = (await answer.json()).access_token;
  const created = await (await post(admin, call('create_namespace', { name: 'outside', description: 'OAuth outside check' }))).json();
  expect(!created.result?.isError || created.result.content[0].text.includes('already exists'), JSON.stringify(created));
  return 'outside-admin created namespace outside';
});

await check('OAuth: the MCP TypeScript SDK completes the authorization-code flow with PKCE and calls tools', async () => {
  const provider = new Provider('outside-writer');
  const first = new Client({ name: 'kaizen-oauth-check', version: '1.0.0' });
  try {
    await first.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    throw new Error('connected without authorization');
  } catch (error) {
    expect(error instanceof UnauthorizedError, `expected UnauthorizedError, got ${error.message}`);
  }
  expect(provider.code, `no code from ${provider.authorizationUrl}`);
  expect(provider.authorizationUrl.searchParams.get('code_challenge_method') === 'S256', 'no PKCE');
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  await transport.finishAuth(provider.code);
  const client = new Client({ name: 'kaizen-oauth-check', version: '1.0.0' });
  await client.connect(transport);
  const written = await client.callTool({ name: 'write_knowledge', arguments: { scope: 'outside:default',
    content: 'Written with an OAuth token by the TypeScript SDK.', context: 'oauth outside' } });
  expect(!written.isError, written.content?.[0]?.text);
  const read = await client.callTool({ name: 'get_knowledge', arguments: { ids: [written.structuredContent.id] } });
  const entry = read.structuredContent.entries[0];
  expect(entry.created_by === 'outside-writer', `created_by ${entry.created_by}`);
  await client.close();
  return `token for outside-writer (${provider.saved.token_type}); entry ${entry.id} created_by ${entry.created_by}`;
});

await check('OAuth: a grant the token lacks is 403 insufficient_scope with the scope to ask for', async () => {
  const server = await discoverAuthorizationServerMetadata(metadata.authorization_servers[0]);
  const token = (await (await fetch(server.token_endpoint, { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'outside-writer', client_secret: 'x' }) })).json())
    .access_token;
  const answer = await post(token, call('update_config', { key: 'search.max_results', value: '10' }));
  const challenge = answer.headers.get('www-authenticate') ?? '';
  expect(answer.status === 403 && challenge.includes('insufficient_scope') && challenge.includes('scope="kaizen:admin"'),
    `${answer.status} ${challenge}`);
  return challenge;
});

finish('OAuth');
