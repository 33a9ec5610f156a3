// Enrols N fleet instances: one enrolment token (admin key) for all, then N registrations with it, `concurrency` at a
// time. Writes "id credential" per line to the output file, for heartbeat.lua. Usage: node seed.mjs URL KEY N C FILE
import { writeFileSync } from 'node:fs';

const [base, key, total, concurrency, file] = process.argv.slice(2);
const n = Number(total);
const tokenRes = await fetch(`${base}/v1/fleet/enrollment-tokens`, {
  method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
  body: JSON.stringify({ max_uses: n, expires_in_seconds: 86400 }),
});
if (tokenRes.status !== 201) throw new Error(`token: ${tokenRes.status} ${await tokenRes.text()}`);
const token = (await tokenRes.json()).data.token;
const lines = new Array(n);
let next = 0, done = 0, last = Date.now();
async function worker() {
  while (next < n) {
    const i = next++;
    const res = await fetch(`${base}/v1/fleet/agents/register`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ hostname: `bench-host-${i}`, os: 'linux', version: '1.0.0', tags: ['bench'] }),
    });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
    const data = (await res.json()).data;
    lines[i] = `${data.id} ${data.credential}`;
    if (++done % 5000 === 0 || Date.now() - last > 10000) { last = Date.now(); console.log(`  ${done}/${n} instances`); }
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
writeFileSync(file, lines.join('\n') + '\n');
console.log(`  ${done} instances enrolled`);
