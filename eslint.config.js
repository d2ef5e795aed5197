// Lint rules that keep the layers of DESIGN §2 apart: machines and domain stay pure,
// adapters never reach up into actors or machines.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const impure = [
  'ws',
  'undici',
  'pino',
  'prom-client',
  'systeminformation',
  'tree-kill',
  'node:*',
  'fs',
  'net',
  'http',
];
const noClock = [
  { object: 'Date', property: 'now', message: 'Read time from the injected clock.' },
  { object: 'Math', property: 'random', message: 'Use the seeded random source.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'artifacts/**', 'coverage/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: impure, message: 'domain/ and machines/ are pure: no I/O.' },
            {
              group: ['**/adapters/**', '**/actors/**', '**/sim/**', '**/cli/**'],
              message: 'Imports point down only.',
            },
          ],
        },
      ],
      'no-restricted-properties': ['error', ...noClock],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Read time from the injected clock.',
        },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/actors/**', '**/machines/**', '**/cli/**', '**/sim/**'],
              message: 'Adapters never import machines, actors, the simulator or entry points.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/sim/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/actors/**', '**/machines/**', '**/cli/**', '**/adapters/bybit/**'],
              message: 'The simulator shares only domain/ with the bot.',
            },
          ],
        },
      ],
      'no-restricted-properties': ['error', ...noClock],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
