// What ws-channels adds to a stack, described once (DESIGN "Parts"): the tables, the functions
// and their environment, the roles and the app's statements, the deployment hooks, how the hooks
// are invoked (retries, the failed events queue, the rule for a deployment that ended), the
// stage's throttling and access log, the settings. Pure data and functions of names, with no AWS
// SDK or CDK import, so that every renderer (the Serverless plugin in plugins/, the CDK construct,
// the tests' DynamoDB Local tables) reads the same description.
export * from './deployment.js';
export * from './functions.js';
export * from './ids.js';
export * from './invocation.js';
export * from './permissions.js';
export * from './settings.js';
export * from './stage.js';
export * from './tables.js';
