// Completes package-lock.json with rollup's platform packages for other systems.
// The registry this project installs from serves only the linux-x64 ones, so
// `npm install` leaves the others out of the lock and `npm ci` then refuses it as out
// of sync. Entries with their os/cpu/libc let `npm ci` skip them as it skips any
// optional package for another platform. Run after `npm install`:
//   node scripts/lock-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const rollup = packages['node_modules/rollup'];
let added = 0;
for (const [name, version] of Object.entries(rollup?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (packages[key] || !name.startsWith('@rollup/rollup-')) continue;
  const [os, cpu, abi = ''] = name.slice('@rollup/rollup-'.length).split('-');
  const entry = { cpu: [cpu], dev: true, license: 'MIT', optional: true, os: [os], version };
  if (os === 'linux' && abi.startsWith('gnu')) entry.libc = ['glibc'];
  if (abi.startsWith('musl')) entry.libc = ['musl'];
  packages[key] = Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b)));
  added++;
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} platform entries added`);
