import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const pureSources = ['packages/{raft,kv,sim,replica}/src/**/*.ts']

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'apps/web/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript files (bin/, bench/) run on Node.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure packages must be deterministic: every source of time and randomness is injected.
    files: pureSources,
    ignores: ['**/*.test.ts', '**/src/testing/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the injected Random.' },
        { object: 'Date', property: 'now', message: 'Use ticks or the injected clock.' },
        { object: 'performance', property: 'now', message: 'Use ticks or the injected clock.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: 'Use ticks or the injected clock.' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'console'],
    },
  },
  {
    // Tests poke at JSON bodies and internals; strict typing there buys little.
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
)
