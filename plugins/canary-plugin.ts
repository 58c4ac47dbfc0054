import { createRequire } from 'node:module';
import { isPlainObject } from './cloudformation.js';
import type { PluginClass, Serverless } from './serverless.js';

// `plugins: [ws-channels]` alone must give the CodeDeploy resources, so the plugin adds
// serverless-plugin-canary-deployments itself unless the service lists it (osls refuses a plugin
// loaded twice).

export const CANARY_PLUGIN = 'serverless-plugin-canary-deployments';
/** The class name the canary plugin's module exports. */
const CANARY_PLUGIN_CLASS = 'ServerlessCanaryDeployments';

const require = createRequire(import.meta.url);

/** The names listed in `plugins` (a list, or `{ modules: [...] }`). */
function listedPlugins(plugins: unknown): unknown[] {
  if (Array.isArray(plugins)) return plugins;
  if (isPlainObject(plugins) && Array.isArray(plugins.modules)) return plugins.modules;
  return [];
}

/**
 * Loads the canary plugin into osls unless it is listed or loaded already.
 *
 * @param fail throws the framework's error with the message
 */
export function loadCanaryPlugin(serverless: Serverless, fail: (message: string) => never): void {
  const { pluginManager } = serverless;
  const listed = listedPlugins(serverless.service.plugins).some(
    (name) => typeof name === 'string' && name.includes(CANARY_PLUGIN),
  );
  const loaded = pluginManager.plugins.some(
    (plugin) => plugin.constructor.name === CANARY_PLUGIN_CLASS,
  );
  if (listed || loaded) return;
  let pluginPath: string;
  try {
    // The service's own copy first (the README installs it there), else one beside ws-channels.
    pluginPath = require.resolve(CANARY_PLUGIN, {
      paths: [serverless.serviceDir ?? process.cwd(), import.meta.dirname],
    });
  } catch {
    fail(
      `ws-channels needs ${CANARY_PLUGIN} (0.8.0) and could not find it: install it in the service (npm install --save-dev ${CANARY_PLUGIN}@0.8.0) or list it in \`plugins\`.`,
    );
  }
  // A CommonJS module whose export is the plugin's class.
  pluginManager.addPlugin(require(pluginPath) as PluginClass);
}
