#!/usr/bin/env node
// A heartbeat sender for fleet-service: enrols N instances with one enrolment token, then sends their heartbeats.
// Some of them fall silent after a while, so you can watch the fleet go online, stale and offline.
//
//   export W=http://localhost:8080 KEY=wdn_...          # the gateway and the admin key bin/warden up printed
//   node docs/examples/heartbeat.mjs --instances 5 --interval 10 --silent 2 --silent-after 30
//
// Options (all optional): --url (default $W or http://localhost:8080), --key (default $KEY; an admin key, to issue
// the token), --instances N (3), --interval seconds between heartbeats (10), --silent K instances that stop after
// --silent-after seconds (1 after 30), --agent <agent id> to pin the token to a governed agent: its instances fetch
// the agent's policies whenever a heartbeat says some are pending.
// Liveness follows fleet-service's settings (WARDEN_FLEET_STALE_AFTER, default 180 s; WARDEN_FLEET_OFFLINE_AFTER,
// default 600 s): start the suite with e.g. WARDEN_FLEET_HEARTBEAT_INTERVAL=5s WARDEN_FLEET_STALE_AFTER=20s WARDEN_FLEET_OFFLINE_AFTER=40s to watch quickly.
// Node 18+; nothing to install.

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
    arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const url = args.url || process.env.W || 'http://localhost:8080';
const key = args.key || process.env.KEY;
const count = Number(args.instances || 3);
const interval = Number(args.interval || 10) * 1000;
const silent = Number(args.silent ?? 1);
const silentAfter = Number(args['silent-after'] || 30) * 1000;
if (!key) {
    console.error('Set KEY (an admin API key) or pass --key');
    process.exit(2);
}

async function call(method, path, headers, body) {
    const res = await fetch(url + path, {method, headers: {'Content-Type': 'application/json', ...headers},
        body: body === undefined ? undefined : JSON.stringify(body)});
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    }
    return json.data;
}

const admin = {'X-API-Key': key};
const token = await call('POST', '/v1/fleet/enrollment-tokens', admin,
    {max_uses: count, expires_in_seconds: 600, ...(args.agent ? {agent_id: args.agent} : {})});
console.log(`enrolment token ${token.id} (${count} uses)`);

const started = Date.now();
const instances = [];
for (let i = 0; i < count; i++) {
    const reg = await call('POST', '/v1/fleet/agents/register', {Authorization: `Bearer ${token.token}`},
        {hostname: `demo-host-${i + 1}`, os: process.platform, version: '1.0.0', tags: ['demo', i < silent ? 'silent' : 'steady']});
    instances.push({id: reg.id, credential: reg.credential, silent: i < silent, policy: 'v0'});
    console.log(`registered ${reg.id} (${reg.hostname})${i < silent ? `, silent after ${silentAfter / 1000} s` : ''}`);
}

// Every page of the instance's policies, all of one policyVersion: a change between two pages is a 409, and the fetch
// starts again. Fetched with the instance's own credential, it counts as the instance having that version.
async function fetchPolicies(inst) {
    for (;;) {
        let cursor = null, policies = [], version = null;
        try {
            do {
                const page = await call('GET', `/v1/fleet/agents/${inst.id}/policies${cursor ? `?cursor=${cursor}` : ''}`,
                    {Authorization: `Bearer ${inst.credential}`});
                policies.push(...page.policies);
                version = page.policyVersion;
                cursor = page.nextCursor;
            } while (cursor);
            return {policyVersion: version, policies};
        } catch (e) {
            if (!e.message.includes(': 409 ')) {
                throw e;
            }
        }
    }
}

async function beat() {
    for (const inst of instances) {
        if (inst.silent && Date.now() - started > silentAfter) {
            continue;
        }
        try {
            const ack = await call('POST', `/v1/fleet/agents/${inst.id}/heartbeat`, {Authorization: `Bearer ${inst.credential}`},
                {uptime: Math.round((Date.now() - started) / 1000), cpu: Math.round(Math.random() * 1000) / 10,
                 memory: Math.round(Math.random() * 1000) / 10, version: '1.0.0', active_policy_version: inst.policy});
            if (ack.pendingPolicies > 0) {
                // What pendingPolicies is for: fetch the agent's policies (a real instance would apply them here)
                const fetched = await fetchPolicies(inst);
                inst.policy = fetched.policyVersion;
                console.log(`${inst.id}: ${ack.pendingPolicies} policy change(s) pending; fetched ${fetched.policies.length} `
                    + `policies at ${fetched.policyVersion}`);
            }
        } catch (e) {
            console.error(e.message);
        }
    }
    const res = await fetch(`${url}/v1/fleet/agents?tag=demo&limit=500`, {headers: admin}).then(r => r.json());
    const mine = new Set(instances.map(i => i.id));
    const states = res.data.filter(i => mine.has(i.id)).map(i => `${i.hostname}:${i.status}`).join('  ');
    console.log(`${new Date().toISOString().slice(11, 19)}  ${states}  (organization: ${JSON.stringify(res.counts)})`);

}

await beat();
const timer = setInterval(beat, interval);
process.on('SIGINT', async () => {
    clearInterval(timer);
    for (const inst of instances) {
        await call('DELETE', `/v1/fleet/agents/${inst.id}`, admin).catch(() => {});
    }
    console.log('deregistered the demo instances');
    process.exit(0);
});
