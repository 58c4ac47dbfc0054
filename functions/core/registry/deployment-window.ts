import type { DeploymentWindowState } from '../ports.js';

// The deployment window as $connect and the runs both read it: open from the start of a suspend
// to the end of the resume that resumes everyone, and never past its bound.

/** Open at `now`: stored, and not past its bound (a window left by a run that died closes itself). */
export function isWindowOpen(state: DeploymentWindowState | undefined, now: number): boolean {
  return state !== undefined && state.openUntil > now;
}

/**
 * What $connect does while a deployment window is open (NEW_CONNECTIONS_DURING_DEPLOYMENT):
 * `hold` refuses the connection, so nothing it sends reaches the app before the window closes;
 * `allow` lets it in (it is never suspended, and talks to whichever version the alias serves).
 */
export type NewConnectionsPolicy = 'hold' | 'allow';
export const newConnectionsPolicies: readonly NewConnectionsPolicy[] = ['hold', 'allow'];
