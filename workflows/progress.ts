// What a running sync shows the outside: the `progress` query's state, moved forward by the
// workflow at each phase and page. (Search attributes and UI details hang off `enterPhase`.)
import { defineQuery, setHandler } from '@temporalio/workflow';
import type { SyncPhase, SyncProgress } from './contract';

export const progressQuery = defineQuery<SyncProgress>('progress');

export class SyncProgressBoard {
  readonly state: SyncProgress;

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
    setHandler(progressQuery, () => this.state);
  }

  enterPhase(phase: SyncPhase): void {
    this.state.phase = phase;
  }

  update(changes: Partial<SyncProgress>): void {
    Object.assign(this.state, changes);
  }
}
