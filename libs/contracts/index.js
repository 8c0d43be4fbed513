// Runtime entry: the compiled library (npm run build); TypeScript and Jest read src/ directly.
module.exports = require('../../dist/libs/contracts/src/index.js');
