// The config schema compiled ahead of time (scripts/schema-validator.mjs writes schema-validator.js).
import type { ValidateFunction } from 'ajv';

declare const validate: ValidateFunction;
export default validate;
