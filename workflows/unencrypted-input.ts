// The worker's side of "encrypted by construction": a sync or connection test whose input reached
// Temporal without this project's encryption has already put its credentials into history in plain
// text. It is refused at once, before any activity runs, with what the operator must do now.
// Encrypted inputs (every recorded history) never enter the branch, so their commands are unchanged;
// the patch keeps a plain-input run started before this check on its old course when it replays.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { arrivedUnencrypted } from '../contract/payload-converter';

/** The failure to end the workflow with, or undefined when the input arrived encrypted. */
export function unencryptedInputFailure(rawInput: unknown, what: 'sync' | 'connection test'): ApplicationFailure | undefined {
  if (!arrivedUnencrypted(rawInput) || !patched('refuse-unencrypted-input')) return undefined;
  return ApplicationFailure.create({
    type: 'UnencryptedInput',
    nonRetryable: true,
    message:
      `This ${what}'s input reached Temporal unencrypted, so its Client Secret (and its Torii API key, if it carried one) are now in plain text in this workflow's history; nothing was run. ` +
      'Rotate the PingOne Worker app\'s Client Secret (and that Torii API key) now. ' +
      'Start syncs and connection tests through this package: connectClient() (SYNC_ENCRYPTION_KEYS set, as on the worker), or a Client built with encryptingDataConverter, then startSync/startVerify (README "From code").',
  });
}
