import type { ChattyClient } from './chatty-clients.js';
import type { DeploymentRecord } from './codedeploy-driver.js';

// What a played deployment did, as a small table in the test's output: the final state, each
// hook's deliveries and status, and per client the messages sent, handled, held and refused.

/** The deployment's final state and the counts, as a small table in the test's output. */
export function reportDeployment(
  deployment: DeploymentRecord,
  clients: readonly ChattyClient[],
  output: string,
): void {
  const header = [
    'client',
    'sent',
    'handled',
    'held: suspended',
    'held: refused',
    'in flight',
    'refused connects',
  ];
  const rows = clients.map((client) => {
    const suspendAt = client.timeline.findIndex((entry) => entry.kind === 'suspend');
    const resumeAt = client.timeline.findIndex((entry) => entry.kind === 'resume');
    return [
      client.name,
      client.sent.length,
      new Set(client.echoes().map((echo) => echo.id)).size,
      client.sent.filter((message) => message.stateAtSend === 'suspended').length,
      client.late ? client.sent.filter((message) => message.held).length : 0,
      // Sent before the suspend frame came, echoed after it: handled as the frame went out.
      client.timeline.filter(
        (entry, position) => entry.kind === 'echo' && position > suspendAt && position < resumeAt,
      ).length,
      client.refused,
    ];
  });
  const totals = header
    .slice(1)
    .map((_, column) => rows.reduce((sum, row) => sum + Number(row[column + 1]), 0));
  const line = (values: unknown[]) => values.map((value) => String(value).padEnd(17)).join('');
  const pings = output.split('message:{"action":"ws-channels.ping"}').length - 1;
  console.info(
    [
      `Deployment ${deployment.deploymentId}: ${deployment.finalState}${deployment.rolledBack ? ', rolled back' : ''} (${deployment.finishedAt - deployment.startedAt} ms)`,
      ...deployment.hooks.map(
        (hook) =>
          `  ${hook.hook}: ${hook.status ?? 'no status'}, ${hook.statusCalls} status call(s); deliveries: ${hook.deliveries.map((delivery) => delivery.kind).join(', ')}; failed invocations: ${hook.failedInvocations}`,
      ),
      `  keep-alive pings received since the stack started (none reach $default): ${pings}`,
      line(header),
      ...rows.map(line),
      line(['all', ...totals]),
    ].join('\n'),
  );
}
