import pkg from '../../package.json' with { type: 'json' };

/** The app version, from package.json, shown in About, the CLI and the HTTP User-Agent. */
export const ROLLBOOK_VERSION: string = pkg.version;
