/**
 * Save as…, the one way the window exports a file (reports, compliance): the app asks where in its native Save
 * dialog, then the export presents the dialog's token, never a path, so the app writes only where its dialog pointed
 * (the dialog also asked before replacing an existing file).
 */
import type { OutputOf } from '$contract/channels';
import { suggestedFileName, type ExportFormat } from './file-names';
import { call, errorMessage } from './rollbook';

/** What the caller's state shows at each step. */
export interface ExportSteps<W> {
  /** The user chose `path`: the export starts. */
  begin(path: string): void;
  /** Writes the file the dialog's token grants. */
  write(saveToken: string): Promise<W>;
  done(written: W): void;
  /** The dialog or the export failed; the message says what happened. */
  failed(message: string): void;
  /** The export begun has ended, written or not. */
  end(): void;
}

/** Asks where to save `title` as `format`, then writes there; a cancelled dialog writes nothing. */
export async function exportToChosenFile<W>(title: string, format: ExportFormat, steps: ExportSteps<W>): Promise<void> {
  let chosen: OutputOf<'host.chooseSavePath'>;
  try {
    chosen = await call('host.chooseSavePath', { suggestedName: suggestedFileName(title, format), format });
  } catch (error) {
    steps.failed(errorMessage(error));
    return;
  }
  if (chosen.path === null) return;
  steps.begin(chosen.path);
  try {
    steps.done(await steps.write(chosen.saveToken));
  } catch (error) {
    steps.failed(errorMessage(error));
  } finally {
    steps.end();
  }
}
