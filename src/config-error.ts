// A setting that cannot be used, named by its variable. Apart from config.ts so that the storage
// layer, which finds some of these (a data directory in use, a database out of reach), need not
// import the configuration loader above it.
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}
