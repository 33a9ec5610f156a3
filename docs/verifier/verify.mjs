#!/usr/bin/env node
// Verifies an export of GET /v1/audit/export with nothing but Node.js (18+): no package to install.
//
//   node verify.mjs export.json [--public-key warden-audit.pem]...
//
// The chain rule (docs/audit-service.md): hash = hex(SHA-256(utf8(prev_hash) || utf8(JCS(entry without prev_hash
// and hash)))), where JCS is the JSON Canonicalization Scheme of RFC 8785. A checkpoint's Ed25519 signature covers
// JCS(checkpoint without signature), and only the entries up to the checkpoint's sequence: an entry after it is vouched
// for by nothing; the checkpoint's key_id must name the key it verifies with. --public-key may be given more than once
// (the keys you trust, e.g. the current one and those rotated out): the checkpoint is verified with the one its key_id
// names (a key's id: the first 16 hex digits of the SHA-256 of its X.509 form), and when none is, the verifier says
// which key to fetch (GET /v1/audit/public-key?key_id=...). Without --public-key the export is checked
// against the key inside it, which shows only that it is consistent: never VERIFIED. Exit code 0: every entry verified;
// 1: not; 2: bad usage or unreadable export.
// Entries hashed before Warden used RFC 8785 verify only with the Java verifier (tools/audit-verifier).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

// RFC 8785: JSON.stringify already writes strings and numbers as the RFC requires; sort keys by UTF-16 code units.
function jcs(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
  return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + jcs(value[k])).join(',') + '}';
}

const sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const without = (object, ...keys) => Object.fromEntries(Object.entries(object).filter(([k]) => !keys.includes(k)));

function publicKey(value) {
  const text = existsSync(value) ? readFileSync(value, 'utf8') : value;
  const der = Buffer.from(text.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64');
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

// As audit-service names its key: the first 16 hex digits of the SHA-256 of its X.509 (SPKI) form
const keyIdOf = (key) => createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);

function main(args) {
  const usage = 'usage: node verify.mjs <export.json> [--public-key <PEM file, or base64 X.509>]... (once per key you trust)';
  const given = [];
  for (let i = 1; i < args.length; i += 2) {
    if (args[i] !== '--public-key' || i + 1 >= args.length) {
      console.log(usage);
      return 2;
    }
    given.push(args[i + 1]);
  }
  if (args.length < 1) {
    console.log(usage);
    return 2;
  }
  const trustedKeys = [];
  for (const value of given) {
    try {
      const key = publicKey(value);
      trustedKeys.push({ key, id: keyIdOf(key) });
    } catch (e) {
      console.log(`cannot read the public key ${value}: ${e.message}`);
      return 2;
    }
  }
  let exported;
  try {
    exported = JSON.parse(readFileSync(args[0], 'utf8'));
  } catch (e) {
    console.log('cannot read the export: ' + e.message);
    return 2;
  }
  const entries = exported.entries ?? [];
  let prev = exported.prev_hash;
  let sequence = exported.from;
  for (const entry of entries) {
    const expected = sha256Hex(prev + jcs(without(entry, 'prev_hash', 'hash')));
    if (entry.sequence !== sequence || entry.prev_hash !== prev || entry.hash !== expected) {
      console.log(`FAILED: entry ${sequence} does not follow from its predecessor`);
      return 1;
    }
    prev = entry.hash;
    sequence++;
  }
  console.log(`chain: entries ${exported.from}..${sequence - 1} follow from each other`);
  if (exported.to !== sequence - 1) {
    console.log(`FAILED: the export says it holds entries ${exported.from}..${exported.to}, but holds ${exported.from}..${sequence - 1}`);
    return 1;
  }

  const checkpoint = exported.checkpoint;
  if (!checkpoint) {
    console.log('FAILED: the export holds no checkpoint, so nothing signed vouches for this range');
    return 1;
  }
  const signed = entries.find((e) => e.sequence === checkpoint.sequence);
  if (!signed || signed.hash !== checkpoint.head_hash) {
    console.log(`FAILED: checkpoint ${checkpoint.id} signs a head hash that entry ${checkpoint.sequence} of the export does not have`);
    return 1;
  }
  const trusted = trustedKeys.length > 0;
  let key;
  if (trusted) {
    key = trustedKeys.find((k) => k.id === checkpoint.key_id)?.key;
    if (!key) {
      console.log(`FAILED: checkpoint ${checkpoint.id} was signed by key ${checkpoint.key_id}, and none of the given keys (${trustedKeys.map((k) => k.id).join(', ')}) is that key: after a key rotation, fetch the key that signed it with GET /v1/audit/public-key?key_id=${checkpoint.key_id} (Warden keeps every key that ever signed) and give it with another --public-key`);
      return 1;
    }
  } else {
    try {
      key = publicKey(exported.public_key);
    } catch {
      key = null;
    }
  }
  let valid = false;
  try {
    valid = verify(null, Buffer.from(jcs(without(checkpoint, 'signature')), 'utf8'), key,
      Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) {
    console.log(`FAILED: the signature of checkpoint ${checkpoint.id} does not verify with this public key`);
    return 1;
  }
  const keyId = keyIdOf(key);
  if (checkpoint.key_id !== keyId) {
    console.log(`FAILED: checkpoint ${checkpoint.id} names key ${checkpoint.key_id}, but it verifies with key ${keyId}`);
    return 1;
  }
  const last = sequence - 1;
  if (last > checkpoint.sequence) {
    console.log(`NOT VERIFIED: checkpoint ${checkpoint.id} at sequence ${checkpoint.sequence} vouches for entries ${exported.from}..${checkpoint.sequence} only; entries ${checkpoint.sequence + 1}..${last} come after it and nothing signed vouches for them (sign the head, POST /v1/audit/checkpoints, then export up to its sequence)`);
    return 1;
  }
  if (!trusted) {
    // Whoever doctored the entries could sign them again with a key of their own and put it in the export
    console.log(`NOT VERIFIED: the export is consistent with the key inside it (${keyId}), but that key vouches for nothing: give the key you trust with --public-key (GET /v1/audit/public-key)`);
    return 1;
  }
  console.log(`VERIFIED: checkpoint ${checkpoint.id} at sequence ${checkpoint.sequence}, signed ${checkpoint.signed_at} by key ${keyId}, covers this chain`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
