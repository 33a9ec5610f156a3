// A mixed soak at a fixed rate: writes (creates and deploys of agents, each growing the audit chain) and reads (the
// agent list, one agent, the audit log and one agent's audit page) sent on schedule whatever the answers' speed, so
// that a slow answer cannot slow the load down and hide itself (latency counts from when a request was due, not
// from when it was sent). Prints, per window, each kind's count and p50/p99, and at the end the last window's read
// p99 as a ratio of the first's: what issue #6 calls "flat as history grows" is a ratio near 1.
//
// The first WARMUP_S seconds run the same load unrecorded, so that the first window is not the JIT's.
//
// node soak.mjs AGENT_URL AUDIT_URL KEY WARMUP_S DURATION_S WINDOW_S WRITES_PER_S READS_PER_S
const [agentUrl, auditUrl, key, warmupS, durationS, windowS, writeRate, readRate] = process.argv.slice(2);
const warmup = Number(warmupS) * 1000, duration = Number(durationS) * 1000, windowMs = Number(windowS) * 1000;
const headers = { "X-API-Key": key, "Content-Type": "application/json" };

const created = []; // agents this soak created, for deploys and reads
const windows = []; // per window: { kind: [latency ms] }
const errors = [];
let pending = 0;

async function call(kind, due, url, init, expect) {
  pending++;
  try {
    const res = await fetch(url, { headers, ...init });
    const body = await res.text();
    const ms = performance.now() - due;
    if (res.status !== expect) {
      errors.push(`${kind}: ${res.status} ${body.slice(0, 200)}`);
      return null;
    }
    if (due < measured) return body;
    const w = (windows[Math.floor((due - measured) / windowMs)] ??= {});
    (w[kind] ??= []).push(ms);
    return body;
  } catch (e) {
    errors.push(`${kind}: ${e.message}`);
    return null;
  } finally {
    pending--;
  }
}

const pick = () => created[Math.floor(Math.random() * created.length)];
let n = 0;
const writes = [
  async (due) => {
    const body = await call("create", due, `${agentUrl}/v1/agents`, {
      method: "POST", body: JSON.stringify({ name: `soak-${n++}`, runtime: "docker", tags: ["soak"] }) }, 201);
    if (body) created.push(JSON.parse(body).id);
  },
  (due) => created.length && call("deploy", due, `${agentUrl}/v1/agents/${pick()}/deploy`, {
    method: "POST", body: JSON.stringify({ image_uri: `registry.example.com/soak:v${n}` }) }, 200),
];
const reads = [
  (due) => call("list agents", due, `${agentUrl}/v1/agents?limit=100`, {}, 200),
  (due) => call("audit log", due, `${auditUrl}/v1/audit?limit=50`, {}, 200),
  (due) => created.length && call("get agent", due, `${agentUrl}/v1/agents/${pick()}`, {}, 200),
  (due) => created.length && call("agent's audit", due, `${auditUrl}/v1/audit?agent_id=${pick()}&limit=50`, {}, 200),
];

// Sends kinds[i % kinds.length] at `rate` per second through the warm-up and the measured duration, each at its due time.
async function schedule(rate, kinds) {
  const every = 1000 / rate;
  for (let i = 0; ; i++) {
    const due = start + i * every;
    if (due >= measured + duration) return;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    kinds[i % kinds.length](due);
  }
}

const quantile = (sorted, q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return [s.length, quantile(s, 0.5), quantile(s, 0.99)]; };
const fmt = (v) => Number.isNaN(v) ? "-" : v.toFixed(1);
const readKinds = ["list agents", "audit log", "get agent", "agent's audit"];
const writeKinds = ["create", "deploy"];
const all = (w, kinds) => kinds.flatMap((k) => w?.[k] ?? []);

function report(i) {
  const w = windows[i] ?? {};
  const [rn, r50, r99] = stats(all(w, readKinds));
  const [wn, w50, w99] = stats(all(w, writeKinds));
  const per = readKinds.map((k) => `${k} ${fmt(stats(w[k] ?? [])[2])}`).join(", ");
  console.log(`  ${String((i + 1) * windowS).padStart(5)} s  reads ${rn} p50 ${fmt(r50)} p99 ${fmt(r99)} ms`
    + ` (p99: ${per})  writes ${wn} p50 ${fmt(w50)} p99 ${fmt(w99)} ms  agents created ${created.length}`);
}

const start = performance.now() + 100, measured = start + warmup;
const windowCount = Math.ceil(duration / windowMs);
let reported = 0;
const ticker = setInterval(() => {
  // A window is reported once every request due in it had its time to answer (one more window).
  while (reported < windowCount && performance.now() > measured + (reported + 2) * windowMs) report(reported++);
}, 1000);
await Promise.all([schedule(Number(writeRate), writes), schedule(Number(readRate), reads)]);
while (pending > 0) await new Promise((r) => setTimeout(r, 100));
clearInterval(ticker);
while (reported < windowCount) report(reported++);

const first = stats(all(windows[0], readKinds))[2], last = stats(all(windows[windowCount - 1], readKinds))[2];
const firstW = stats(all(windows[0], writeKinds))[2], lastW = stats(all(windows[windowCount - 1], writeKinds))[2];
console.log(`  read p99: first window ${fmt(first)} ms, last ${fmt(last)} ms, ratio ${(last / first).toFixed(2)};`
  + ` write p99: first ${fmt(firstW)} ms, last ${fmt(lastW)} ms, ratio ${(lastW / firstW).toFixed(2)}`);
if (errors.length) {
  console.log(`  ${errors.length} requests failed, the first: ${errors.slice(0, 3).join(" | ")}`);
  process.exit(1);
}
