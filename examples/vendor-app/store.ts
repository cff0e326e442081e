// What the vendor app remembers per partner organization. Seed 000, step 2: the organization
// token is permanent and shown once, so it must be stored before anything else happens.
// A JSON file keeps the example self-contained; a real app would use its database and keep the
// secrets in a vault.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Enrolment {
  organizationId: string;
  organizationOemToken: string;
  integrationId?: string;
  partnerApiKey?: string;
}

type State = Record<string, Enrolment>;

export class Store {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  async get(vendorOrganizationId: string): Promise<Enrolment | undefined> {
    return (await this.#read())[vendorOrganizationId];
  }

  async put(vendorOrganizationId: string, enrolment: Enrolment): Promise<void> {
    const state = await this.#read();
    state[vendorOrganizationId] = enrolment;
    await mkdir(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    // Write then rename, so a crash mid-write never leaves a half file and loses the token.
    const temporary = `${this.#file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await rename(temporary, this.#file);
  }

  async #read(): Promise<State> {
    try {
      return JSON.parse(await readFile(this.#file, 'utf8')) as State;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }
}
