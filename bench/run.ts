// `npm run bench [-- NAME...]`: runs the named benchmarks (all by default). Each prints its
// figures and ends with one line `bench NAME: key=value …`. Benchmarks never assert times.
import { runCentralBench } from './central.ts';
import { runCheckBench } from './check.ts';
import { runSensorBench } from './sensor.ts';

const benches: Record<string, () => string | Promise<string>> = {
  check: () => runCheckBench(),
  central: () => runCentralBench(),
  image: async () => (await import('./image.ts')).runImageBench(),
  sensor: () => runSensorBench(),
  web: async () => (await import('./web.ts')).runWebBench(),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of names.length > 0 ? names : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`bench: unknown benchmark '${name}'; known: ${Object.keys(benches).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(await bench());
}
