// Layers point down only (docs/architecture.md): a module may import its own layer and the ones
// below it, never one above. `npm run lint:layers` checks it; CI runs it.
const layers = [
  // 0: what everything may use
  ['^src/(config|i18n|text)/', '^src/(log|metrics|errors)\\.ts$'],
  // 1: storage
  ['^src/db/'],
  // 2: shared plumbing
  ['^src/(http|security|mail)/'],
  // 3: protocol engines
  ['^src/(oidc|saml)/'],
  // 4: ways to prove identity, and the operations on accounts, universities and clients they share
  //    with the operator CLI; what every journey is built from
  ['^src/(credentials|admin)/', '^src/page-deps\\.ts$'],
  // 5: journeys
  ['^src/(login|application|recovery|settings|student-id|review|single-logout|console)/'],
  // 6: composition and entry points
  ['^src/(app|service|main|serve|tenant-pages|metrics-server)\\.ts$', '^src/(cli|seed|dev|demo-frontend)/'],
];
const forbidden = layers.flatMap((paths, level) =>
  level === layers.length - 1
    ? []
    : [
        {
          name: `layer-${level}-points-up`,
          comment: 'A lower layer imports a higher one (docs/architecture.md, The layers).',
          severity: 'error',
          from: { path: paths },
          to: { path: layers.slice(level + 1).flat() },
        },
      ],
);
module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'one-door-to-identities',
      comment: 'Accounts are read and written through src/db/identities.ts only (docs/architecture.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/identities\\.ts$' },
      to: { path: '^src/db/models/account\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
