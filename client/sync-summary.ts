// A finished sync's result in a few lines of words, for the CLI, `watch` and the demo.
import type { SyncResult } from '../contract/sync';
import type { UsageSummary } from '../contract/usage';

function usageLine(u: UsageSummary): string {
  const read = u.audit === 'denied' ? 'audit activities not readable' : `${u.eventsRead} audit events read, ${u.signOnsNew} new sign-ons${u.backfill ? ' (first read: 14 days back)' : ''}`;
  const apps = u.appAccounts.length ? `; ${u.appsPublished} of ${u.appAccounts.length} application files published` : '';
  return `  usage: ${read}${apps}`;
}

export function summary(r: SyncResult): string {
  const skipped = Object.entries(r.usersSkipped).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`).join(', ') || 'none';
  return [
    `connection ${r.connectionId}${r.dryRun ? ' (dry run)' : ''}`,
    `  users: ${r.usersActive} active, ${r.usersDisabled} disabled, ${r.usersLocked} locked, ${r.usersVerificationRequired ?? 0} awaiting email verification, ${r.usersDeleted} sent as deleted; skipped: ${skipped}`,
    `  applications: ${r.applications} with ${r.licenseAssignments} license assignments`,
    `  PingOne: ${r.pagesFetched} pages, ${r.pingOneRequests} requests`,
    r.toriiFileId !== null ? `  Torii file id: ${r.toriiFileId}` : `  file kept at ${r.filePath}`,
    ...(r.usage ? [usageLine(r.usage)] : []),
    ...r.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}
