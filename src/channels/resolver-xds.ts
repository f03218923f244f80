// xds: targets: handed to @grpc/grpc-js-xds, an optional package loaded only when such a target is
// configured, so applications that do not use xDS neither install nor load it.
import { createRequire } from 'node:module';

/** Must resolve to the same @grpc/grpc-js the SDK uses (grpc-js-xds 1.14 with grpc-js 1.14), or it registers elsewhere. */
export const XDS_PACKAGE = '@grpc/grpc-js-xds';

let registered = false;

/**
 * grpc-js-xds finds its control plane through a bootstrap named in the process environment; without one
 * every call would fail with UNAVAILABLE, so the config is refused up front instead.
 */
export function requireXdsBootstrap(env: NodeJS.ProcessEnv = process.env): void {
  if (!env['GRPC_XDS_BOOTSTRAP'] && !env['GRPC_XDS_BOOTSTRAP_CONFIG']) {
    throw new Error('xds: targets need an xDS bootstrap: set GRPC_XDS_BOOTSTRAP (a file) or GRPC_XDS_BOOTSTRAP_CONFIG (its JSON)');
  }
}

/** Loads and registers grpc-js-xds once; throws saying how to install it when it is missing. */
export function enableXds(packageName = XDS_PACKAGE): void {
  if (registered) return;
  let xds: { register(): void };
  try {
    // require, not import(): target parsing is synchronous, and the package is CommonJS.
    xds = createRequire(import.meta.url)(packageName) as { register(): void };
  } catch (error) {
    throw new Error(`xds: targets need the optional package ${packageName} (npm install ${packageName}@~1.14): ${(error as Error).message.split('\n')[0]}`);
  }
  xds.register();
  registered = true;
}
