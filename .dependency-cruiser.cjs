// The import rules of the layout (docs/contributing.md): imports run one way, from the package's
// entries (handlers, middleware) through the adapters (aws) to the pure core, never back.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports, type-only ones included: no module may need itself.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'functions/core is pure logic: it imports nothing outside core/ but Node built-ins.',
      from: { path: '^functions/core/' },
      to: { pathNot: '^functions/core/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'only-adapters-import-the-sdk',
      severity: 'error',
      comment: 'functions/aws holds the only code that imports @aws-sdk or @smithy (types aside).',
      from: { path: '^functions/', pathNot: '^functions/aws/' },
      to: { path: '^node_modules/@(aws-sdk|smithy)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'adapters-never-import-entries',
      severity: 'error',
      comment: 'The adapters serve the handlers and middleware; they never reach back up to them.',
      from: { path: '^functions/aws/' },
      to: { path: '^functions/(handlers|middleware)/' },
    },
    {
      name: 'middleware-never-imports-handlers',
      severity: 'error',
      from: { path: '^functions/middleware/' },
      to: { path: '^functions/handlers/' },
    },
    {
      name: 'infra-is-pure-data',
      severity: 'error',
      comment:
        'infra/ describes what ws-channels adds to a stack for every renderer: it imports only infra/ (no SDK, no CDK, no Node built-in).',
      from: { path: '^infra/' },
      to: { pathNot: '^infra/' },
    },
    {
      name: 'plugin-renders-infra',
      severity: 'error',
      comment:
        "The Serverless plugin renders infra/ with Node's built-ins; it runs none of the functions' code. Its operator commands load cli/ when they run (a dynamic import), never when the plugin loads.",
      from: { path: '^plugins/' },
      to: { pathNot: '^(plugins|infra)/', dependencyTypesNot: ['core', 'dynamic-import'] },
    },
    {
      name: 'plugin-loads-only-the-cli',
      severity: 'error',
      comment: 'What the plugin loads when a command runs is the operator commands, nothing else.',
      from: { path: '^plugins/' },
      to: { dependencyTypes: ['dynamic-import'], pathNot: '^cli/' },
    },
    {
      name: 'cli-is-an-entry',
      severity: 'error',
      comment:
        'The operator commands (cli/) are a composition root of their own: they use the core and the adapters, never the Lambda entries, the plugin or the client helper.',
      from: { path: '^cli/' },
      to: {
        path: '^(functions/(handlers|middleware|config)|plugins|client|scripts|test|examples)/',
      },
    },
    {
      name: 'nothing-runtime-imports-the-cli',
      severity: 'error',
      comment: "The functions, infra/ and the client never need the operator commands' code.",
      from: { path: '^(functions|infra|client)/' },
      to: { path: '^cli/' },
    },
    {
      name: 'cdk-construct-renders-infra',
      severity: 'error',
      comment:
        "The CDK construct renders infra/ with aws-cdk-lib and constructs (the app's, as peers) and Node's built-ins; the functions' code reaches it only as the build's bundles.",
      from: { path: '^cdk/' },
      to: {
        pathNot: '^(cdk|infra)/|^node_modules/(aws-cdk-lib|constructs)/',
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'client-has-no-dependencies',
      severity: 'error',
      comment: 'The client helper runs in browsers as one module: it imports only its own files.',
      from: { path: '^client/' },
      to: { pathNot: '^client/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
