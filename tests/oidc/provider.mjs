// The tests' OpenID provider: the certified `oidc-provider` package from the npm registry (`make oidc` installs it
// into .venv/oidc), with a login form that checks a password, a consent form, PKCE required for every client, and
// RS256 JWT access tokens for the resources of the configuration (audience, role and scope claims).
//
//   node tests/oidc/provider.mjs <path of oidc-provider's lib/index.js> <configuration.json>
//
// The configuration (written by tests/oidc_provider.py): issuer, port, clients, users ({id, login, password, email,
// email_verified, name, claims}), resources ({"urn:…": audience}; the first is the default), claim_names (the role
// and scope claims, given under the `profile` scope and in every access token), short_lived (client ids whose
// access tokens live one second). A fresh RSA key is made at every start: two providers never share keys.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [modulePath, configPath] = process.argv.slice(2);
const { default: Provider, errors } = await import(pathToFileURL(modulePath).href);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const usersById = new Map(config.users.map((user) => [user.id, user]));
const usersByLogin = new Map(config.users.map((user) => [user.login, user]));
const defaultResource = Object.keys(config.resources)[0];
const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: [{ ...key, kid: randomUUID(), alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomUUID()] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', ...config.claim_names],
  },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, client, oneOf) => (oneOf ? oneOf[0] : defaultResource),
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource) => {
        const audience = config.resources[resource];
        if (!audience) throw new errors.InvalidTarget();
        return { scope: 'api', audience, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  ttl: {
    AccessToken: (ctx, token, client) => (config.short_lived.includes(client.clientId) ? 1 : 600),
  },
  async extraTokenClaims(ctx, token) {
    return usersById.get(token.accountId)?.claims;
  },
  async findAccount(ctx, id) {
    const user = usersById.get(id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: user.email, email_verified: user.email_verified, name: user.name, ...user.claims,
        };
      },
    };
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, uid, prompt, error) {
  const fields = prompt === 'login'
    ? `<label for="login">Логин</label><input id="login" name="login" autocomplete="username">
       <label for="password">Пароль</label><input id="password" name="password" type="password">`
    : '<p>Консоль наставничества просит ваш адрес почты, имя и роль.</p>';
  const title = prompt === 'login' ? 'Вход у поставщика удостоверений' : 'Разрешение';
  res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="ru"><head><title>${title}</title></head><body><main><h1>${title}</h1>
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}">${fields}<button type="submit">Продолжить</button></form>
    </main></body></html>`);
}

async function formOf(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session, grantId } = details;
  if (req.method === 'GET') return page(res, uid, prompt.name);
  const form = await formOf(req);
  if (prompt.name === 'login') {
    const user = usersByLogin.get(form.get('login'));
    if (!user || user.password !== form.get('password')) return page(res, uid, 'login', 'Неверный логин или пароль');
    return provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  }
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const saved = await grant.save();
  return provider.interactionFinished(req, res, { consent: grantId ? {} : { grantId: saved } },
    { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (!/^\/interaction\/[\w-]+$/.test(new URL(req.url, config.issuer).pathname)) return callback(req, res);
  return interaction(req, res).catch((error) => {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`interaction failed: ${error.message}`);
  });
});
server.listen(config.port, '127.0.0.1', () => console.log(`oidc-provider ready at ${config.issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
