// Seeds an organization with N agents through the API, `concurrency` requests at a time; prints progress.
const [base, key, total, concurrency] = process.argv.slice(2);
const n = Number(total);
let next = 0, done = 0, last = Date.now();
async function worker() {
  while (next < n) {
    const i = next++;
    const res = await fetch(`${base}/v1/agents`, {
      method: "POST",
      headers: { "X-API-Key": key, "Content-Type": "application/json" },
      body: JSON.stringify({ name: `seed-${i}`, runtime: "docker", tags: ["seed"] }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (++done % 2000 === 0 || Date.now() - last > 10000) { last = Date.now(); console.log(`  ${done}/${n} agents`); }
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
console.log(`  ${done} agents seeded`);
