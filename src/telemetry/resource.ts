// The resource every exported span and metric carries: OpenTelemetry's host, OS, process and instance
// detectors, OTEL_RESOURCE_ATTRIBUTES, then service.name; the process command line only when asked for.
import { defaultResource, detectResources, hostDetector, osDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector, type Resource, type ResourceDetector } from '@opentelemetry/resources';
import { basename } from 'node:path';
import type { TelemetryConfig } from '../config/types.ts';

/** Process attributes that can carry secrets: flags such as --password=… are part of the command line. */
export const PROCESS_COMMAND_ATTRIBUTES = ['process.command', 'process.command_line', 'process.command_args', 'process.executable.path'] as const;

/** OpenTelemetry's process detector without the command line, unless the config adds it back. */
function processDetectorFor(config: TelemetryConfig): ResourceDetector {
  if (config.resource.process_command) return processDetector;
  return {
    detect(detection) {
      const attributes = { ...processDetector.detect(detection).attributes };
      for (const name of PROCESS_COMMAND_ATTRIBUTES) delete attributes[name];
      // The detector takes the name from process.title, which is argv[0]: often the full path.
      const name = attributes['process.executable.name'];
      if (typeof name === 'string') attributes['process.executable.name'] = basename(name);
      return { attributes };
    },
  };
}

/**
 * OTEL_RESOURCE_ATTRIBUTES read from the env init() was given (the OpenTelemetry detector reads only
 * process.env): "key=value,…", percent-encoded; per the spec a malformed value is dropped as a whole.
 */
function envResourceAttributes(env: NodeJS.ProcessEnv, warn: (message: string) => void): Record<string, string> {
  const raw = env['OTEL_RESOURCE_ATTRIBUTES']?.trim();
  if (!raw) return {};
  try {
    const pairs = raw.split(',').filter((entry) => entry.trim() !== '').map((entry) => {
      const parts = entry.split('=');
      if (parts.length !== 2 || !parts[0]!.trim()) throw new Error(`"${entry}" is not key=value`);
      return [decodeURIComponent(parts[0]!.trim()), decodeURIComponent(parts[1]!.trim())] as const;
    });
    return Object.fromEntries(pairs);
  } catch (error) {
    warn(`OTEL_RESOURCE_ATTRIBUTES ignored: ${(error as Error).message}`);
    return {};
  }
}

export function buildResource(config: TelemetryConfig, env: NodeJS.ProcessEnv, serviceName: string | undefined, warn: (message: string) => void): Resource {
  const detected = detectResources({ detectors: [hostDetector, osDetector, processDetectorFor(config), serviceInstanceIdDetector] });
  const fromEnv = envResourceAttributes(env, warn);
  // The SDK's own fallback is "unknown_service:" + argv[0], a full path; the spec asks for the executable name.
  const name = serviceName ?? fromEnv['service.name'] ?? `unknown_service:${basename(process.argv0)}`;
  return defaultResource().merge(detected).merge(resourceFromAttributes({ ...fromEnv, 'service.name': name }));
}
