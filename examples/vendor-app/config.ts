// The example's settings, from the environment. In a real vendor app the partner below is whoever
// is signed in; here one demo partner stands in for them.
import path from 'node:path';

export interface Partner {
  name: string;
  email: string;
  firstName: string;
  lastName: string;
  vendorUserId: string;
  vendorOrganizationId: string;
}

export interface Settings {
  port: number;
  host: string;
  gatehouseUrl: string;
  clientId: string;
  clientSecret: string;
  /** With both of these, enrolment also creates the external integration (seed 001). */
  vendorId: string | undefined;
  vendorApiKey: string | undefined;
  stateFile: string;
  partner: Partner;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    port: Number(env.PORT ?? 4000),
    host: env.HOST ?? '127.0.0.1',
    gatehouseUrl: required(env, 'GATEHOUSE_URL'),
    clientId: required(env, 'GATEHOUSE_CLIENT_ID'),
    clientSecret: required(env, 'GATEHOUSE_CLIENT_SECRET'),
    vendorId: env.GATEHOUSE_VENDOR_ID || undefined,
    vendorApiKey: env.GATEHOUSE_VENDOR_API_KEY || undefined,
    stateFile: path.resolve(env.STATE_FILE ?? path.join(import.meta.dirname, 'data', 'enrolments.json')),
    partner: {
      name: env.PARTNER_NAME ?? 'Wisozk Inc',
      email: env.PARTNER_EMAIL ?? 'ansley.parisian@wisozk.example',
      firstName: env.PARTNER_FIRST_NAME ?? 'Ansley',
      lastName: env.PARTNER_LAST_NAME ?? 'Parisian',
      vendorUserId: env.PARTNER_USER_ID ?? '1234',
      vendorOrganizationId: env.PARTNER_ORGANIZATION_ID ?? '1234',
    },
  };
}
