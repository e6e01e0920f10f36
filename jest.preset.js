// Shared Jest settings for every project. The file suffix is the tier:
//   *.unit.spec.ts  pure code, no I/O
//   *.int.spec.ts   a real Kafka broker and a real PostgreSQL
//   *.e2e.spec.ts   the running services
// Nx targets test-unit / test-int / test-e2e select the tier with --testPathPatterns.
const path = require('node:path');

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** @param {string} projectRoot absolute path of the project's folder */
function jestConfig(projectRoot) {
  return {
    rootDir: projectRoot,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: { '^@ccp/(.*)$': path.join(__dirname, 'libs/$1/src/index.ts') },
    testMatch: ['**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  };
}

module.exports = { jestConfig, swcOptions };
