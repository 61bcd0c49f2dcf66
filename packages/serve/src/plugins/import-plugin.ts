import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The default importer of the configuration's plugins: a path (`./my-plugin.js`, absolute) is read
 * relative to the configuration's directory, a package name is resolved from that directory's
 * `node_modules` first, then from wherever @weft/serve is installed.
 * @example const importer = pluginImporter('/srv/app/.weft'); await importer('./audit-plugin.js');
 */
export function pluginImporter(baseDir: string): (specifier: string) => Promise<unknown> {
  const fromConfig = createRequire(join(baseDir, 'package.json'));
  return async (specifier) => {
    if (specifier.startsWith('.') || isAbsolute(specifier))
      return import(pathToFileURL(resolve(baseDir, specifier)).href) as Promise<unknown>;
    let resolved: string | undefined;
    try {
      resolved = fromConfig.resolve(specifier);
    } catch {
      // Not installed beside the configuration: let the service's own resolution try.
    }
    return (resolved ? import(pathToFileURL(resolved).href) : import(specifier)) as Promise<unknown>;
  };
}
