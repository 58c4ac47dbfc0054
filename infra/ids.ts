// The names by which the description's parts refer to each other: a function names its role, a
// statement the functions and tables it applies to, a hook its function.

/** ws-channels' functions: suspend and resume (the hooks) and ping (the keep-alive route). */
export type FunctionId = 'suspend' | 'resume' | 'ping';

/** The roles: of suspend and resume, of ping, and CodeDeploy's own. */
export type RoleId = 'run' | 'keepalive' | 'codeDeploy';

export type TableId = 'connections' | 'runs';
