/**
 * `--import` this file to have a process append to FERRY_TRACE_LOADS every module
 * it loads: ESM resolutions (through a resolve hook) and CommonJS require() requests
 * (createRequire included). Used to check what a command path loads.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.FERRY_TRACE_LOADS;
if (out) {
  register('./trace-loads-hooks.mjs', import.meta.url, { data: { out } });
  const Module = createRequire(import.meta.url)('node:module');
  const load = Module._load;
  Module._load = function (request, ...rest) {
    appendFileSync(out, `require ${request}\n`);
    return load.call(this, request, ...rest);
  };
}
