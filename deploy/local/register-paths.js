// Lets the compiled services in dist/ resolve the @airlock/* path aliases of tsconfig.base.json.
const { join } = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

register({ baseUrl: join(__dirname, '..', '..', 'dist'), paths: compilerOptions.paths });
