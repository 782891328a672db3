// The usage part of the sync's contract: the `options.applicationAccounts` mapping (a PingOne
// application to its own Torii app account) and what the result says about usage. Pure data and
// zod only: the workflow bundle imports it.
import { z } from 'zod';
import { shown, wrongType } from './input-words';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const ApplicationAccountSchema = z.strictObject(
  {
    pingOneApplicationId: z
      .string({ error: wrongType('a string') })
      .regex(UUID, { error: (i) => `must be a PingOne application id (a UUID), got ${shown(i.input)}` }),
    toriiAppAccountId: z
      .number({ error: wrongType('a number') })
      .max(Number.MAX_SAFE_INTEGER, { error: 'is too large for an app account id', abort: true })
      .int({ error: 'must be a whole number' })
      .positive({ error: 'must be a positive app account id' }),
  },
  { error: 'must be an object { pingOneApplicationId, toriiAppAccountId }' },
);

/** Each application and each app account at most once; the main app account is checked against the input's torii.appAccountId. */
export const ApplicationAccountsSchema = z
  .array(ApplicationAccountSchema, { error: 'must be an array of { pingOneApplicationId, toriiAppAccountId }' })
  .max(100, { error: 'must map at most 100 applications' })
  .superRefine((accounts, ctx) => {
    const seen = { app: new Map<string, number>(), account: new Map<number, number>() };
    accounts.forEach((a, i) => {
      const app = a.pingOneApplicationId.toLowerCase();
      const firstApp = seen.app.get(app);
      if (firstApp !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'pingOneApplicationId'], message: `maps application ${a.pingOneApplicationId} again (already at index ${firstApp}): map each application once` });
      } else seen.app.set(app, i);
      const firstAccount = seen.account.get(a.toriiAppAccountId);
      if (firstAccount !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'toriiAppAccountId'], message: `app account ${a.toriiAppAccountId} is already used at index ${firstAccount}: give each application its own app account` });
      } else seen.account.set(a.toriiAppAccountId, i);
    });
  });

export type AppAccountStatus = 'published' | 'dry-run' | 'missing';

export interface AppAccountResult {
  pingOneApplicationId: string;
  toriiAppAccountId: number;
  status: AppAccountStatus;
  /** The application's name (its license's name); null when it was not found. */
  name: string | null;
  toriiFileId: number | null;
  /** Where a dry run kept the application's file; null otherwise. */
  filePath: string | null;
  users: number;
  usersDeleted: number;
  /** Users of the file with a lastUsedDate. */
  lastUsedDates: number;
}

export interface UsageSummary {
  /** `read`: this sync read audit activities; `denied`: the Worker app may not (a warning says so). */
  audit: 'read' | 'denied';
  /** Audit records this sync read, and of them sign-ons not seen before. */
  eventsRead: number;
  signOnsNew: number;
  /** The recordedat window read (ISO), and whether it backfilled as far as PingOne reaches. */
  windowFrom: string | null;
  windowTo: string | null;
  backfill: boolean;
  auditRequests: number;
  appsPublished: number;
  appAccounts: AppAccountResult[];
}
