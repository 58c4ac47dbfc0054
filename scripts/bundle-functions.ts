import path from 'node:path';
import { build } from 'esbuild';
import { bundleFile, bundlesFolder } from '../cdk/bundles.js';
import { wsChannelsFunctions } from '../infra/index.js';

// `npm run build`: each of infra/'s functions bundled with its dependencies into one ES module, the
// code the CDK construct deploys (cdk/bundles.ts). The SDK is bundled too: the functions run the
// versions this package pins and tests, not the runtime's.

const root = path.resolve(import.meta.dirname, '..');

await Promise.all(
  wsChannelsFunctions.map((described) =>
    build({
      entryPoints: [path.join(root, `${described.entry}.ts`)],
      outfile: path.join(root, bundlesFolder, described.key, bundleFile),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      legalComments: 'none',
      // Bundled CommonJS dependencies call require(); an ES module has none of its own.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    }),
  ),
);
