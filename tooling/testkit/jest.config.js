import { base } from '../../tooling/jest/jest.base.js';

export default base;
