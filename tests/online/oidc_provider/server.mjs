// A real OpenID provider for the online-hall tests: panva/oidc-provider (OpenID Certified), on loopback.
// Usage: node server.mjs <port> <redirect_uri>. Prints "listening <issuer>" once ready.
// Accounts: the dev interactions accept any login name; the name picks a person from PEOPLE below.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const PEOPLE = {
  zhangsan: { name: '张三', id_card: '11010519491231002X', phone_number: '13800138000' },
  lisi: { name: '李四', id_card: '440524198001010013', phone_number: '13900139000' },
  nobody: { name: '无证件' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'govkit', client_secret: 'govkit-test-secret',
    redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'],
  }],
  claims: { openid: ['sub'], profile: ['name', 'id_card', 'phone_number', 'phone_number_verified'] },
  pkce: { required: () => true },
  cookies: { keys: ['govkit-test-cookie-key'] },
  async findAccount(ctx, sub) {
    const person = PEOPLE[sub] || {};
    return {
      accountId: sub,
      async claims() { return { sub, ...person, phone_number_verified: Boolean(person.phone_number) }; },
    };
  },
});
provider.listen(Number(port), '127.0.0.1', () => { console.log(`listening ${issuer}`); });
