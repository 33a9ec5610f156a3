// Makes an Ed25519 key, asks Warden for a challenge, signs it and registers: seed 004's proof of possession.
// Needs Node 18+ and bs58 (`npm install --prefix docs/examples`). Usage: WARDEN_URL=http://localhost:8080 WARDEN_API_KEY=wdn_... node docs/examples/register-agent.mjs my-agent api_call,file_access
import { generateKeyPairSync, sign } from 'node:crypto';
import bs58 from 'bs58';

const [name = 'my-new-agent', capabilities = 'api_call'] = process.argv.slice(2);
const base = process.env.WARDEN_URL ?? 'http://localhost:8080';
const headers = { 'Content-Type': 'application/json', 'X-API-Key': process.env.WARDEN_API_KEY };

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');   // the 32 key bytes
const did = 'z' + bs58.encode(Buffer.concat([Buffer.from([0xed, 0x01]), raw])); // multicodec ed25519-pub, base58btc

async function post(path, body) {
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const { challenge } = await post('/v1/agents/register/challenge', { publicKey: did });
const signature = sign(null, Buffer.from(challenge, 'utf8'), privateKey).toString('base64url');
console.log(await post('/v1/agents/register',
  { name, version: '1.0.0', capabilities: capabilities.split(','), publicKey: did, challenge, signature }));
// Keep privateKey: it is the agent's identity (did:key:<publicKey>).
