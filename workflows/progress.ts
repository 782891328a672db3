// What a running sync shows the outside, all moved by the workflow through this board: the state
// the `progress` query answers (the workflow registers the handler); the search attributes operators
// filter on (upserted when a phase or the connection changes, never per page, so history stays
// small); the UI's current details (markdown, refreshed on every change: they cost no history
// event; the SDK answers them to the UI's metadata query, so after the sync ends a worker replaying
// its history shows the final phase); a log line per phase; and the sync's outcome metrics. The
// workflow only says what happened: enterPhase, update, fail, finish.
import { log, metricMeter, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { type SyncPhase, type SyncProgress, type SyncResult, type ValidSyncInput } from '../contract/sync';
import { connectionFacts, type ConnectionFacts } from '../contract/connection-facts';
import { PingOneEnvironmentId, SyncConnectionId, SyncPhaseAttribute, SyncUsers, ToriiAppAccountId } from '../contract/search-attributes';
import { syncMetrics } from '../contract/metrics';


export class SyncProgressBoard {
  readonly state: SyncProgress;
  private facts: ConnectionFacts | undefined;
  private regionName: string | undefined;
  /** What was last upserted, so an unchanged value costs no history event. */
  private readonly upserted = new Map<string, string | number>();
  private readonly metrics = syncMetrics(metricMeter);

  constructor(startedAt: string) {
    this.state = {
      phase: 'starting',
      pagesFetched: 0,
      users: 0,
      groups: 0,
      applications: 0,
      licenseAssignments: 0,
      listingsRunning: 0,
      startedAt,
      lastError: null,
    };
  }

  /** Names the connection in the search attributes and details, once the input is valid. */
  identify(input: ValidSyncInput): void {
    this.facts = connectionFacts(input);
    this.upsert([
      { key: SyncConnectionId, value: this.facts.connectionId },
      { key: PingOneEnvironmentId, value: this.facts.environmentId },
      { key: ToriiAppAccountId, value: this.facts.toriiAppAccountId },
      { key: SyncPhaseAttribute, value: this.state.phase },
    ]);
    this.refreshDetails();
  }

  /** The PingOne region the token host belongs to, known once the sync has opened. */
  locate(regionName: string): void {
    this.regionName = regionName;
    this.refreshDetails();
  }

  enterPhase(phase: SyncPhase): void {
    this.state.phase = phase;
    this.upsert([
      { key: SyncPhaseAttribute, value: phase },
      { key: SyncUsers, value: this.state.users },
    ]);
    log.info(`Sync entered phase ${phase}`, { phase, pagesFetched: this.state.pagesFetched, users: this.state.users });
    this.refreshDetails();
  }

  update(changes: Partial<SyncProgress>): void {
    Object.assign(this.state, changes);
    this.refreshDetails();
  }

  /**
   * Marks the sync failed before the workflow fails, so `SyncPhase = "failed"` finds it. The message
   * is the activity's own cause and fix when there is one.
   */
  fail(err: unknown): void {
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    this.state.lastError = message;
    this.enterPhase('failed');
    log.warn('Sync failed', { error: message });
    this.recordOutcome('failed');
  }

  finish(result: SyncResult): void {
    this.enterPhase('done');
    const sent = result.usersActive + result.usersDisabled + result.usersLocked + result.usersVerificationRequired + result.usersDeleted;
    this.metrics.usersSynced.add(sent, { dry_run: String(result.dryRun) });
    this.recordOutcome('done');
  }

  private recordOutcome(outcome: 'done' | 'failed'): void {
    const seconds = Math.max(0, (Date.now() - Date.parse(this.state.startedAt)) / 1000);
    this.metrics.syncDuration.record(seconds, { outcome });
    this.metrics.syncsEnded.add(1, { outcome });
  }

  private upsert(pairs: SearchAttributeUpdatePair[]): void {
    const changed = pairs.filter((pair) => pair.value !== null && this.upserted.get(pair.key.name) !== pair.value);
    if (changed.length === 0) return;
    for (const pair of changed) this.upserted.set(pair.key.name, pair.value as string | number);
    upsertSearchAttributes(changed);
  }

  private refreshDetails(): void {
    setCurrentDetails(progressDetails(this.state, this.facts, this.regionName));
  }
}

/** The UI's "current details": one screen of markdown an operator reads at a glance. */
function progressDetails(state: SyncProgress, facts: ConnectionFacts | undefined, regionName: string | undefined): string {
  // Most telling first, paragraphs apart (markdown joins adjacent lines), counts on one line: the UI
  // sizes its details frame to a few lines and clips what is below.
  const paragraphs = [`**Phase** ${state.phase} · started ${state.startedAt}`];
  if (state.lastError) paragraphs.push(`**Last problem** ${state.lastError}`);
  paragraphs.push(
    `${state.pagesFetched} pages · ${state.users} users · ${state.groups} groups · ${state.applications} applications · ` +
      `${state.licenseAssignments} license assignments · ${state.listingsRunning} listings running`,
  );
  const u = state.usageRead;
  if (u) paragraphs.push(`**Usage read** ${u.denied ? 'denied (no audit permission)' : `${u.eventsRead} audit events in ${u.pages} pages · ${u.slicesDone} of ${u.slices} slices read`}`);
  if (facts) {
    paragraphs.push(
      `**Connection** \`${facts.connectionId}\`${facts.dryRun ? ' (dry run)' : ''} · PingOne environment \`${facts.environmentId}\`` +
        `${regionName ? ` in ${regionName}` : ''} · Torii app account ${facts.toriiAppAccountId}`,
    );
  }
  return paragraphs.join('\n\n');
}
