// The deployment window as $connect and the runs both read it: open from the start of a suspend
// to the end of the resume that resumes everyone, and never past its bound. Its port, and the
// rule that says whether it is open.

/** The deployment window (`window#deployment`): open from a suspend's start to the end of the resume. */
export interface DeploymentWindowState {
  /**
   * Names this window, from its opening to its closing, whoever joins it: a suspend skips the
   * connections suspended in it (by a sibling deployment group's suspend, or by its own earlier
   * invocations), and $connect tags with it the connections it lets in while it is open.
   */
  windowId: string;
  /** The suspend run that opened it (or last moved its bound). */
  openedBy: string;
  /** Epoch ms past which the window counts as closed, whoever left it open. */
  openUntil: number;
  /** The CodeDeploy deployments whose BeforeAllowTraffic ran in it and whose resume has not. */
  deployments: readonly string[];
}

/**
 * Holds new connections (as edeliver's SuspendRanchAcceptors holds a Phoenix app's acceptors)
 * and joins sibling deployment groups.
 */
export interface DeploymentWindow {
  /** The window as stored (also past `openUntil`); undefined when there is none. */
  read(): Promise<DeploymentWindowState | undefined>;
  /**
   * Opens the window for a suspend run, or joins the open one: its deployment (if any) is added,
   * `openUntil` moves later, never earlier. A window past its bound is replaced (with a new id).
   * Answers the window as it is after.
   */
  open(opening: {
    runId: string;
    deploymentId: string | null;
    now: number;
    openUntil: number;
  }): Promise<DeploymentWindowState>;
  /** Removes a deployment, atomically; answers the window as it is after (undefined: none). */
  leave(deploymentId: string): Promise<DeploymentWindowState | undefined>;
  /** Closes it; unless `force`, only when no deployment is left in it. True when closed now. */
  close(options: { force: boolean }): Promise<boolean>;
}

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
