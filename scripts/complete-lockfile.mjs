#!/usr/bin/env node
// The registry this project is developed against serves only the linux-x64 builds of platform
// packages (LanceDB, Rollup), so `npm install` leaves the other platforms out of package-lock.json
// and `npm ci` then rejects the lock (npm/cli#4828). This adds the entries npm would have written:
// version, os, cpu and libc, optional — enough for `npm ci` to validate the lock and skip them.
// Run it after any `npm install` that rewrites the lock: `node scripts/complete-lockfile.mjs [folder]`
// (the project by default; `bench/peers` for the benchmark's peers).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const PLATFORM = /-(android|darwin|freebsd|linux|openbsd|openharmony|sunos|win32|aix)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x|mips64el)(?:-(gnu|musl|msvc|eabi|gnueabihf|musleabihf))?$/;
const LIBC = { gnu: 'glibc', gnueabihf: 'glibc', musl: 'musl', musleabihf: 'musl' };

const path = process.argv[2] ? resolve(process.argv[2], 'package-lock.json') : new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
let added = 0;
for (const entry of Object.values(lock.packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    const platform = PLATFORM.exec(name);
    if (lock.packages[target] || !platform || !/^\d+\.\d+\.\d+$/.test(range)) continue;
    const [, os, cpu, abi] = platform;
    lock.packages[target] = { version: range, cpu: [cpu], ...(LIBC[abi] ? { libc: [LIBC[abi]] } : {}), optional: true, os: [os] };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform entries added`);
